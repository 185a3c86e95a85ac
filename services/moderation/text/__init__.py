"""The text kernel: evasion-proof normalisation with original offsets, and term matching.

Used by both the legal checks (`moderation.legal`) and the toxicity scorers
(`moderation.scoring`), so it depends on neither.
"""
