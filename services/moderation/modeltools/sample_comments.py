"""Sentences like those of a news site's comments, clean and abusive: the benchmark corpus
is built from them, and so is the vocabulary of a randomly initialised model."""

CLEAN_SENTENCES = [
    "I think the council should reconsider the parking plan before the budget vote.",
    "The consultation was rushed and residents were not properly heard.",
    "Thank you for a balanced piece on a difficult subject.",
    "The figures on hospital waiting times are worrying, and they have been for years.",
    "My daughter's school has had the same problem with staffing since September.",
    "It would help to know how the new scheme will be funded after the first year.",
    "The minister's answer in parliament was evasive, and the opposition was right to press.",
    "I disagree with the author: the policy will raise prices for ordinary families.",
    "Good to see local journalism covering the planning committee in this much detail.",
    "Has anyone asked the bus operator why the evening service was cut?",
    "Interest rates are only part of the story; wages have not kept up with rents.",
    "The match report misses the point: the midfield was overrun in the second half.",
    "We visited the exhibition last weekend and it was excellent, well worth the trip.",
    "Climate targets mean little without a plan for home insulation.",
    "Could the paper publish the full report rather than a summary?",
    "There is a real shortage of GPs in rural areas and this article shows why.",
    "The same thing happened in our town ten years ago and nothing changed.",
    "I'm not convinced by either candidate, but the debate was useful.",
    "This is a fair summary, although the headline overstates the risk.",
    "Volunteers at the food bank deserve far more support than they get.",
    "The river has flooded three times in five years; the defences are overdue.",
    "Perhaps the club should invest in its academy instead of expensive signings.",
    "As a nurse I can confirm the night shifts are chronically understaffed.",
    "The article would be stronger with a response from the developer.",
]
ABUSIVE_SENTENCES = [
    "You are a complete idiot and a disgusting piece of trash.",
    "Shut up you stupid bitch, nobody cares.",
    "What a moronic fucking take, you pathetic clown.",
    "People like you are scum and should crawl back under your rock.",
]
