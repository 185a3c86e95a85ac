"""The fused residual+LayerNorm goes back to plain operators, computes the same thing, and
stays plain when the scorer loads the model."""

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import TensorProto, helper

from moderation.modeltools.layer_norms import unfuse_skip_layer_norms
from moderation.scoring.news_model import DEFAULT_NEWS_MODEL, UNFUSED_AT_LOAD

HIDDEN = 16


def _fused_model(with_bias: bool) -> onnx.ModelProto:
    rng = np.random.default_rng(3)

    def constant(name):
        return helper.make_tensor(name, TensorProto.FLOAT, [HIDDEN], rng.normal(size=HIDDEN))

    inputs = ["x", "skip", "gamma", "beta"] + (["bias"] if with_bias else [])
    node = helper.make_node(
        "SkipLayerNormalization", inputs, ["y"], domain="com.microsoft", epsilon=1e-5
    )
    values = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, None, HIDDEN]) for n in "xy"]
    skip = helper.make_tensor_value_info("skip", TensorProto.FLOAT, [1, None, HIDDEN])
    graph = helper.make_graph(
        [node],
        "fused",
        [values[0], skip],
        [values[1]],
        [constant(n) for n in inputs[2:]],
    )
    opsets = [helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)]
    return helper.make_model(graph, opset_imports=opsets)


def _run(model: onnx.ModelProto, feeds: dict) -> np.ndarray:
    session = onnxruntime.InferenceSession(
        model.SerializeToString(),
        providers=["CPUExecutionProvider"],
        disabled_optimizers=list(UNFUSED_AT_LOAD),
    )
    return session.run(None, feeds)[0]


@pytest.mark.parametrize("with_bias", [True, False])
def test_the_plain_operators_compute_what_the_fused_kernel_did(with_bias):
    rng = np.random.default_rng(5)
    feeds = {name: rng.normal(size=(1, 7, HIDDEN)).astype(np.float32) for name in ("x", "skip")}
    fused = _fused_model(with_bias)
    expected = _run(fused, feeds)
    plain = onnx.ModelProto()
    plain.CopyFrom(fused)
    assert unfuse_skip_layer_norms(plain) == 1
    assert [n.op_type for n in plain.graph.node] == ["Add"] * (1 + with_bias) + [
        "LayerNormalization"
    ]
    np.testing.assert_allclose(_run(plain, feeds), expected, rtol=1e-5, atol=1e-5)


def _op_types_after_load(disabled: list[str], tmp_path) -> set[str]:
    options = onnxruntime.SessionOptions()
    options.optimized_model_filepath = str(tmp_path / "as_loaded.onnx")
    onnxruntime.InferenceSession(
        str(DEFAULT_NEWS_MODEL / "model.int8.onnx"),
        options,
        providers=["CPUExecutionProvider"],
        disabled_optimizers=disabled,
    )
    return {n.op_type for n in onnx.load(str(tmp_path / "as_loaded.onnx")).graph.node}


def test_the_shipped_graph_stays_plain_when_the_scorer_loads_it(tmp_path):
    shipped = {n.op_type for n in onnx.load(str(DEFAULT_NEWS_MODEL / "model.int8.onnx")).graph.node}
    assert "SkipLayerNormalization" not in shipped and "LayerNormalization" in shipped
    # Left alone, onnxruntime fuses the plain operators back at load: the name the scorer
    # disables must be the right one for the installed onnxruntime.
    assert "SkipLayerNormalization" in _op_types_after_load([], tmp_path)
    assert "SkipLayerNormalization" not in _op_types_after_load(list(UNFUSED_AT_LOAD), tmp_path)
