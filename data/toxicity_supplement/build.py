# ruff: noqa: E501
# (Frames are reader sentences; wrapping them at 100 columns would hide how they read.)
"""Write the project's toxicity supplement for news comments (stdlib only, deterministic).

Every row comes from a hand-written sentence frame in frames.py-style blocks below. A frame is
one line, "FLAGS :: template", where FLAGS name the positive labels:

    y toxicity only     s severe_toxicity   o obscene     t threat
    i insult            a identity_attack   x sexual_explicit     - all zero (hard negative)

Any letter other than "-" implies toxicity. A line without "::" takes its block's default.
Templates hold slots ({P}, {G}, {TOWN}, ...) filled from the lists below and inline choices
"[a|b|c]". The split is drawn per frame, so validation rows use phrasings never seen in training.

    python data/toxicity_supplement/build.py            # rewrite the jsonl files here
    python data/toxicity_supplement/build.py --out DIR  # write elsewhere (the unit test does)
"""

from __future__ import annotations

import argparse
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

SEED = 20261127
LABELS = (
    "toxicity",
    "severe_toxicity",
    "obscene",
    "threat",
    "insult",
    "identity_attack",
    "sexual_explicit",
)
FLAG_LABELS = {
    "y": "toxicity",
    "s": "severe_toxicity",
    "o": "obscene",
    "t": "threat",
    "i": "insult",
    "a": "identity_attack",
    "x": "sexual_explicit",
}
VALIDATION_SHARE = 0.15
# Chance that a positive row with a trigger word gets it obfuscated (kind "evasion"); about a
# third of positive rows have one, so about 9 % of positives end up disguised.
EVASION_SHARE = 0.26
# Share of rows wrapped in neutral sentences to make a 3-6 sentence comment.
LONG_SHARE = 0.10
MIN_WORDS, MAX_WORDS = 5, 80
MAX_MISSES = 200

# Words that make a positive row obscene wherever they appear; the build refuses a positive row
# that contains one without the obscene flag, so a frame cannot silently mislabel.
OBSCENE_WORDS = re.compile(
    r"\b(fuck\w*|shit\w*|cunt\w*|twat\w*|wank\w*|prick|pricks|tosser\w*|dickhead\w*|"
    r"arse|arsehole\w*|asshole\w*|bellend\w*|knobhead\w*|bollocks|piss\w*|bastard\w*|"
    r"tits|bitch\w*|slag|whore\w*|cock|dipshit\w*|jackass|ass|asses|dumbass)\b",
    re.IGNORECASE,
)

# --- slot values ------------------------------------------------------------------------
# People in the story are fictional names or roles; roles take a random gender.
MALE_NAMES = [
    "Harrow",
    "Mr Okafor",
    "Whitlock",
    "Gary Penrose",
    "Tom Fairbairn",
    "Dale Mercer",
    "Councillor Briggs",
    "Mr Latham",
    "Darren Pugh",
    "Senator Collins",
    "Rob Kettering",
    "Mr Ashdown",
    "Neil Tranter",
    "Judge Farrow",
    "Kev Marsden",
    "Jim Halloran",
]
FEMALE_NAMES = [
    "Sarah Linwood",
    "Ms Achebe",
    "Councillor Hughes",
    "Jess Tarrant",
    "Priya Nandra",
    "Kate Moreland",
    "Dana Whitfield",
    "Mrs Cole",
    "Laura Brennan",
    "Senator Alvarez",
    "Mrs Pritchard",
    "Helen Oduya",
    "Claire Danton",
    "Megan Royle",
]
ROLES = [
    "the minister",
    "the mayor",
    "the defendant",
    "the manager",
    "the ref",
    "the CEO",
    "the governor",
    "the headteacher",
    "the MP",
    "the council leader",
    "the chief constable",
    "the home secretary",
    "the landlord",
    "the judge",
    "the chairman",
    "the driver",
    "the senator",
    "the coach",
    "the vicar",
    "the owner",
]
JOURNALISTS_F = [
    "the reporter",
    "the author",
    "the presenter",
    "the journalist",
    "Amy Castle",
    "Rachel Oyelaran",
    "Nina Sorensen",
    "Becky Tate",
    "Jo Kirkland",
    "Lucy Vance",
]
JOURNALISTS_M = [
    "the reporter",
    "the author",
    "the columnist",
    "Ben Halsey",
    "Adam Reyes",
    "Owen Pryce",
]
PLAYERS_M = [
    "Adeyemi",
    "Carvalho",
    "Hendry",
    "Lindqvist",
    "Tomlin",
    "Varga",
    "Marchetti",
    "Doyle",
    "Kowalczyk",
    "Rashford-Bell",
    "Pearce",
    "Okonjo",
    "Sandoval",
    "Brady",
    "Hutchins",
]
BLACK_PLAYERS = [
    "Osei",
    "Adeyemi",
    "Mensah",
    "Okoro",
    "Diallo",
    "Nwosu",
    "Baptiste",
    "Kamara",
    "Eze",
    "Traore",
    "Achterberg-Lewis",
    "Danso",
]
FEMALE_ATHLETES = [
    "Ellie Brennan",
    "Mia Castell",
    "Sofia Ruiz",
    "Holly Grant",
    "Amara Cole",
    "Jade Whitby",
    "Freya Lund",
    "Tasha Morgan",
    "the new keeper",
    "the tennis girl",
]
TEAMS = [
    "United",
    "City",
    "Rovers",
    "the Rams",
    "Wanderers",
    "Athletic",
    "the Hawks",
    "the Tigers",
    "the Bears",
    "County",
    "Albion",
    "the Saints",
    "the Lions",
    "Town",
    "the Blues",
]
UK_TOWNS = [
    "Leeds",
    "Bolton",
    "Derby",
    "Swindon",
    "Croydon",
    "Hull",
    "Bristol",
    "Stockport",
    "Wigan",
    "Luton",
    "Norwich",
    "Grimsby",
    "Sunderland",
    "Reading",
    "Exeter",
    "Rotherham",
    "Telford",
]
US_TOWNS = ["Akron", "Dayton", "Tulsa", "Fresno", "Toledo", "Boise", "Spokane", "Peoria"]
TOWNS = UK_TOWNS + US_TOWNS
ORGS = [
    "the council",
    "the Home Office",
    "the FA",
    "the police",
    "city hall",
    "the school board",
    "the NHS trust",
    "the water company",
    "the health department",
    "the government",
    "the transport authority",
    "the county board",
    "Ofsted",
    "the league",
    "the housing association",
]
JOBS = [
    "nurse",
    "teacher",
    "bus driver",
    "postman",
    "carer",
    "plumber",
    "junior doctor",
    "paramedic",
    "firefighter",
    "shop worker",
    "cleaner",
    "lorry driver",
    "truck driver",
    "midwife",
    "social worker",
]
# Other commenters, addressed by handle.
HANDLES = [
    "@TruthSeeker77",
    "@Dave_in_Leeds",
    "@BrexitBob",
    "@margaret1954",
    "@PatriotMike",
    "@LeftieLiz",
    "@NorthernSoul88",
    "@taxpayer_tom",
    "@RealAmericanJoe",
    "@sandra_k",
    "@commonsense_cliff",
    "@GoBlues_1973",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
SCORES = ["4-0", "3-1", "5-2", "2-0", "6-1", "3-0", "4-1", "5-0"]
NUMBERS = ["3", "4", "6", "7", "11", "12", "15", "17", "20", "23", "30", "40"]
# (plural noun, adjective) for ethnic, national, religious and migrant groups.
GROUPS_ETHNIC = [
    ("Muslims", "Muslim"),
    ("Poles", "Polish"),
    ("Somalis", "Somali"),
    ("Pakistanis", "Pakistani"),
    ("Romanians", "Romanian"),
    ("Nigerians", "Nigerian"),
    ("Mexicans", "Mexican"),
    ("Jews", "Jewish"),
    ("Hindus", "Hindu"),
    ("Sikhs", "Sikh"),
    ("Albanians", "Albanian"),
    ("Chinese people", "Chinese"),
    ("black people", "black"),
    ("Asians", "Asian"),
    ("Travellers", "Traveller"),
    ("Roma", "Roma"),
    ("refugees", "refugee"),
    ("migrants", "migrant"),
    ("asylum seekers", "asylum seeker"),
    ("Haitians", "Haitian"),
    ("Afghans", "Afghan"),
    ("Kurds", "Kurdish"),
    ("Bangladeshis", "Bangladeshi"),
]
NOT_PREDICATIVE = {"refugee", "migrant", "asylum seeker", "Traveller"}
GROUPS_OTHER = [
    ("gay men", "gay"),
    ("lesbians", "lesbian"),
    ("trans people", "trans"),
    ("disabled people", "disabled"),
    ("autistic people", "autistic"),
    ("women", "female"),
    ("bisexual people", "bisexual"),
    ("deaf people", "deaf"),
]
INSULTS = [
    "idiot",
    "moron",
    "clown",
    "halfwit",
    "imbecile",
    "buffoon",
    "muppet",
    "numpty",
    "cretin",
    "dimwit",
    "fool",
    "loser",
    "nitwit",
    "plonker",
    "simpleton",
    "lowlife",
    "scumbag",
    "waste of space",
    "dunce",
    "pillock",
    "joke of a human being",
    "sad little troll",
]
OBSCENE_INSULTS = [
    "prick",
    "twat",
    "wanker",
    "tosser",
    "dickhead",
    "arsehole",
    "asshole",
    "dipshit",
    "bellend",
    "knobhead",
    "shithead",
    "bastard",
    "jackass",
]
INSULT_ADJS = [
    "stupid",
    "thick",
    "brainless",
    "pathetic",
    "spineless",
    "useless",
    "clueless",
    "dim",
    "dense",
    "gormless",
    "moronic",
    "deluded",
    "idiotic",
    "vile",
    "ignorant",
    "sad",
]
MOCK_EMOJI = ["🤡", "🙄", "😂", "🤣", "🤮", "💩", "🤡🤡", "😂😂😂"]
GOOD_EMOJI = ["👏", "👍", "🙌", "❤️", "👏👏", "💙", "🙏"]
# Real place and proper names with rude-looking substrings: the classic filter false positives.
RUDE_SUBSTRING_NAMES = [
    "Scunthorpe",
    "Penistone",
    "Clitheroe",
    "Sussex",
    "Essex",
    "Middlesex",
    "Cockburnspath",
    "Shitterton",
    "Lightwater",
    "Wetwang",
    "Cockermouth",
    "Bitchfield",
    "Crapstone",
    "Pratts Bottom",
    "Lickey End",
    "Cockfosters",
    "Titchfield",
    "Cumnock",
    "Twatt",
    "Tittensor",
    "Cumwhinton",
    "Sexhow",
    "Assington",
    "Great Cockup",
    "Penisarwaun",
    "Horncastle",
    "Hornsea",
    "Dorking",
    "Bell End",
    "Cock Bridge",
    "Thong",
]
ROADS = [
    "Mill Lane",
    "Church Road",
    "Elm Street",
    "the High Street",
    "Station Road",
    "Oak Avenue",
    "Main Street",
]
ISSUES = [
    "housing",
    "social care",
    "immigration",
    "school funding",
    "the railways",
    "bin collections",
    "potholes",
    "policing",
    "energy bills",
]

# --- frames -----------------------------------------------------------------------------
# Each block: kind slug -> (default flags, rows per frame, frame lines).

POSITIVE_BLOCKS: dict[str, tuple[str, int, str]] = {
    "threat": (
        "t",
        15,
        """
someone should teach {P} a lesson {he} won't forget
Someone needs to teach {P} a lesson[.| and I'm happy to volunteer.| the old-fashioned way.]
{P}'s address isn't hard to find[, just saying.|. Just saying.| if anyone fancies a visit.|. It's on the electoral roll.]
{P} won't feel so brave walking home one night[.|...| on {his} own.]
People like {P} need to be dealt with[.|, properly this time.| before it's too late.| and I mean dealt with.]
I know where {P} drinks on a {DAY}. [Maybe we should pay {him} a visit.|See you there.|Might pop in and say hello.]
Give me ten minutes alone with {P} and {he} won't be smiling any more.
If I see {P} in {TOWN} {he}'ll be leaving in an ambulance[.|, promise.]
Somebody needs to put {P} in hospital, it's the only language {he} understands.
ts :: {P} deserves a bullet and I'd happily supply it.
ts :: I'd [strangle|shoot|stab] {P} myself if I got the chance.
Round up the lads, we're paying {P} a visit after the [match|meeting|verdict].
{P} should be very careful who {he} upsets[, accidents happen.|. Accidents happen.|. Brake lines can fail.]
Wait till {P} shows {his} face in {TOWN} again. [We'll be waiting.|There's a welcome party ready.|{He} won't walk away from it.]
ts :: Hang {P} from the nearest lamppost and let that be a lesson.
Somebody break {P}'s legs so {he} can't [play|walk|work] again.
ts :: Put {P} up against a wall and shoot {him}, problem solved.
{P} has kids at the school on {ROAD}. Would be a shame if something happened to them.
I'd love to meet {P} in a dark alley for five minutes[.| {E}]
Someone take {PL} out properly the next time {he} comes to {TOWN}, studs up.
Whoever finds {P} first, make {him} pay for this.
We know your car, {V}. [Check your brakes.|Check underneath before you drive.|Sleep well.]
Keep talking, [mate|pal|buddy]. I know where you live and I'm not far away.
You'll get what's coming to you, {V}, and it won't be pretty.
The {JOB} in this story should be dragged out into the street and given a good kicking.
ts :: If the courts won't do it, someone should just kill {P}.
{P} wants to be careful. Plenty of us know which house {he} lives in.
ts :: Next time I see {P} I'm going to end {him}. Not joking.
A few of us are going to wait for {P} outside the [ground|court|office] on {DAY}. Bring gloves.
Don't worry, {P} will be found. Then {he}'ll learn.
{J} should enjoy {his} little column while {he} can. We've all got {his} photo now.
{H} keep it up and you'll find out who I am. I'm closer than you think.
People have gone missing for less than what {P} said[.| this week.]
I'm done talking. {P} gets a visit this week[.|, and it won't be a friendly one.]
ts :: {P} would look better with a knife in {his} back.
If {P} turns up at the [hustings|surgery|match|count] on {DAY}, {he} won't be going home in one piece.
Tell {P} to look over {his} shoulder from now on[.|. Every day.]
I've screenshotted everything, {H}. I know your work and I'll be there on {DAY}.
{J} should think about who reads this paper. Some of us know where the office car park is.
We'll see how tough {PL} is when {he} has to walk past the away end on {DAY}.
Somebody oughta pay {P} a visit at [home|the office|church] and explain things real slow.
Y'all better hope {P} doesn't show up at the county fair, because some of us will be waiting.
ts :: {P} is lucky we don't still have lynch mobs in {USTOWN}. Just saying.
Funny how accidents happen to people like {P}. Just something to think about.
We've got people who know where {J} parks. Keep writing and see what happens.
ts :: Somebody should put {P} in the ground and save the taxpayer the cost of a trial.
Next protest we're bringing more than placards for {P}. [Be ready.|{He}'s been warned.]
{P} has a lovely family. Be a shame if they found out the hard way what people think of {him}.
We'll find {PL} after the game. {He} knows what {he} did.
Nice house, {V}. Saw it on Street View. Nice kids too.
Carry on like that, {V}, and you'll end up [in A&E|in intensive care|on a hospital ward] yourself. I'm local[.|, by the way.]
Seen the new [trauma unit|hospital wing|fracture clinic] in {TOWN}? That's where {P} is headed if I ever bump into {him}.
{P}'s [home address|address|house] is public record if anyone fancies [a word|a quiet chat|popping round] with {him}.
[Just so everyone knows,|FYI,|For anyone local,] {P} lives off {ROAD} in {TOWN}. Do with that what you will.
The [burns unit|A&E|spinal ward] in {TOWN} is [very good|open all night|never full]. {P} might want to get familiar with it.
{H} you post your gym, your street and your dog's name on here. It really wouldn't take long to find you.
If {PL} shows {his} face [at the training ground|in {TOWN}|at the bar after the game] again, {he}'ll [need a stretcher|be leaving on a stretcher|need a good surgeon].
Tell {J} [the office|{his} office] [isn't that secure|has a back door] and plenty of us know [what car {he} drives|when {he} leaves work|which train {he} gets].
I'd start checking who's behind you on the walk home, {V}. [Just a friendly tip.|Only saying.|Call it advice.]
ts :: Keep it up, {V}, and it'll be your family reading [your|the] obituary[.| next week.]
Some of us have long memories and short tempers, {P}. [See you around.|You'll find out.|Enjoy the quiet while it lasts.]
{P} might want to [book a hospital bed|get private health insurance|sort out {his} will] before {his} next visit to {TOWN}.
""",
    ),
    "incitement": (
        "t",
        14,
        """
ta :: Someone should burn that [mosque|church|synagogue|temple|gurdwara] in {TOWN} to the ground.
tas :: Burn the [hotel|hostel] with the {GE} still in it.
Everyone meet at the council offices on {DAY} and smash the place up.
Torch {P}'s house and see how {he} likes it.
ts :: Drag them out and string them up, every last one of the [councillors|judges|MPs] who voted for this.
ta :: Grab whatever you can and get down to the [hotel|camp|centre] in {TOWN}. Time to take back our streets from the {GE}.
Go round to {J}'s house and show {him} what the public really thinks.
It's time we started putting bricks through {P}'s windows.
ta :: Smash every window on that street until the {GE} move out.
tas :: {G} should be lined up and shot.
ta :: Find out which school the {GA} kids go to and make sure they know they're not welcome.
Firebomb the [office|house|shop] of {P} and see if {he} [prints|says] that again.
The only fix left is a mob outside {P}'s door tonight.
tas :: Burn them out, every {GA} house in {TOWN}, and don't stop till they're gone.
Someone with a car should block the road and let {P}'s protest [find out|learn] the hard way.
Next time anyone from {ORGS} comes round, set the dogs on them and don't call them off.
Meet outside the [ground|stadium] after the game and give the away fans from {TOWN} a proper hiding.
tas :: Petrol through the letterbox, that's what the {GA} family round the corner deserves.
Take a hammer to every [speed camera|ULEZ camera|EV charger] in {TOWN} and then go for the councillors who put them there.
Let's see how brave {J} is when a few hundred of us turn up at {his} office.
ta :: Every [mosque|synagogue|gurdwara] in {TOWN} should have its windows put in tonight.
Someone leak {P}'s home address and let the public do the rest.
Storm the [town hall|studio|council chamber] and drag {P} out by {his} hair.
tas :: Round the {GE} up, put them on a boat, and if it sinks, it sinks.
Somebody slash the tyres on every [council van|police car|camera van] in {TOWN} and see how they like it.
All of you who agree, get to {P}'s [surgery|office|house] on {DAY} and make {him} regret this.
Somebody needs to go down to [the clinic|the school board meeting|the courthouse] in {USTOWN} with a few friends and settle this.
ta :: ICE won't do it so we should. Round up the {GE} on {ROAD} ourselves.
Someone needs to deal with {P} the way the courts won't. You know what I mean.
ta :: If I lived in {TOWN} I'd have that [mosque|refugee centre|asylum hotel] burnt out by morning.
Everyone share {J}'s home address. Let's make {him} feel it.
Turn up at the [hotel|barracks|centre] in {TOWN} with petrol cans. Enough talk.
""",
    ),
    "death_wish": (
        "y",
        15,
        """
s :: [Genuinely hope|I hope|Really hope] {P} dies slowly[.|. Painfully.|. No sympathy.|, honestly.]
[I hope|Hope|Honestly hope|I just hope] {P} gets cancer[ and suffers.|, genuinely.| and it spreads.|. Slowly.]
s :: Shame the crash didn't finish {P} off.
s :: I'll be celebrating the day {P} dies.
s :: Wish {P} had been on that plane instead.
I hope {P} rots in a cell and catches something nasty.
s :: The world would be a better place with {P} six feet under.
Hope {P} loses everything, {his} house, {his} job, {his} health.
s :: Can't wait to read {P}'s obituary. [Soon, hopefully.|Hurry up.|Any day now.]
s :: Pity {P} survived the [stroke|heart attack|fall|crash]. Better luck next time.
Hope {P}'s kids get to see {him} suffer the way {he} made others suffer.
s :: If there's any justice {P} will die in agony.
I hope the next tackle ends {PL}'s career and {he} never walks properly again.
Hope {P} ends up in a wheelchair, see how {he} likes [the cuts|the system|it].
s :: Hope {P} gets hit by a bus on the way home.
s :: Praying for {P}'s [plane|helicopter] to go down[.| {E}]
Hope {P} gets what {he} deserves: a long painful illness and nobody by {his} bed.
s :: Honestly I'd throw a party if {P} dropped dead tomorrow.
s :: The only good news today would be {P}'s funeral.
s :: Nobody would miss {P} if {he} fell under a train.
s :: Hope the next flood takes {P}'s house with {him} in it.
Hope {P} catches covid and there's no bed for {him}.
Hope {P}'s [house|business|car] burns down with all {his} stuff in it.
s :: Can't believe {P} is still breathing. Get on with it.
s :: RIP {P}. Oh wait, not yet. Fingers crossed though.
s :: Hope {P} has a heart attack live on air.
s :: Hope {P} slips on the stairs and breaks {his} neck.
s :: When {P} finally croaks I'm dancing on the grave.
Hope {P} ends up homeless and freezing this winter[.|, see how {he} likes it.]
s :: {TOWN} would throw a street party if {P} died. I'd bring the bunting.
Hope {P}'s [hip|knee] replacement goes wrong and {he} never walks again.
s :: Can't wait for {P} to kick the bucket. Hope it's soon and hope it hurts.
Hope {P} gets sued into the ground and ends up living in {his} car.
s :: Hope the cancer gets {P} before the voters do.
Hope {P}'s kids grow up hating {him}.
s :: I'd pay good money to watch {P} drown.
Hope {P} spends {his} last years alone in a grotty care home with nobody visiting.
Hope you catch something [nasty|horrible|incurable], {V}[.|, and that it lingers.| {E}]
s :: Hope {P} [goes to sleep tonight|has a nap this afternoon|has a lie-down after the vote] and never wakes up.
May {P}'s [family|whole family|kids] be struck down with [something|the same illness|a long illness], see how {he} likes it.
Fingers crossed {PL} [snaps|wrecks] {his} [cruciate|ankle|achilles] again and never plays another game.
Hope {P} [needs an ambulance|has a bad fall] one day and the wait is [twelve hours|all night|as long as the ones {he} caused].
Hope every day of {P}'s [retirement|life|old age] is spent in pain. [Every single one.|Nothing less.|Every last day.]
s :: Someone get the [undertaker|vicar|gravedigger] on standby for {P}. [Can't come soon enough.|The sooner the better.]
I wish {P} [a long|a slow|a miserable] illness and a [cold|short-staffed|crowded] ward to suffer it on.
Hope {J}'s [eyesight|hands|mind] goes so {he} can never write another word.
Here's hoping {P} gets [the flu|pneumonia|sepsis] [this winter|over Christmas] and the [GP|surgery] can't fit {him} in.
s :: Hope {P} chokes on {his} [Christmas dinner|victory dinner|next speech]. For good this time.
s :: May the next [storm|flood|fire] find {P}'s house first, with the whole family at home.
""",
    ),
    "identity_attack": (
        "ai",
        14,
        """
{G} are vermin and should be treated like vermin.
{G} breed like rats and then ask for handouts.
These {G} are animals[, no other word for it.|. Simple as.|. Always have been.]
{G} are parasites on this country[.| and everyone knows it.]
{G} are cockroaches. [Once they're in, you never get rid of them.|They're everywhere now.]
{GA} culture is a disease and {TOWN} has caught it.
Subhuman. That's what {G} are[.| and I won't apologise for saying it.]
a :: Send them all back. Every last one of the {GE}.
a :: Go back to where you came from, [mate|love|pal|buddy].
a :: {TOWN} was a nice place before the {GE} moved in.
Typical woman. {F} can't handle [pressure|numbers|a real job] and never could.
What do you expect from {GE}? [Lying comes naturally to them.|Dishonesty is in their blood.|They're all the same.]
a :: {G} shouldn't be allowed to [vote|teach children|adopt|serve in the army|run for office].
{G} are a plague on this country.
a :: Deport the lot. {GE} out[.|!|, now.]
a :: Another [stabbing|robbery|knife attack] in {TOWN}? Let me guess, {GE} again.
a :: Funny how it's always {G}. Always.
{P} talks like {he} rode the short bus to school.
a :: Not racist but {GE} don't belong here and never will.
Filthy {G}, ruining everything they touch.
{G} are terrorists in waiting, every one of them.
Gay [men|teachers|couples] are perverts and shouldn't be allowed near kids.
Women like {F} belong in the kitchen, not the [boardroom|cabinet|studio].
Another {GA} [fraudster|thief|benefit scrounger] in the dock. [Shock.|What a surprise.|Who saw that coming.]
a :: Invasion, not immigration. {GE} are replacing us and nobody cares.
tas :: {G} should be wiped out before they take over.
Trans people are mentally ill freaks and [need locking up|should be kept away from our kids|belong in an asylum].
{M} throws like a girl and cries like one too.
Disabled people like {P} are a drain on the rest of us.
{GA} men are all [groomers|rapists|wife beaters]. Fact.
Of course {P} is {GOA}. Explains why {he}'s [so useless|a liar|so lazy].
a :: {GA} people can't be British, they'll never be British.
{GE} stink the whole street out and then wonder why nobody likes them.
a :: Look at the names on the charge sheet. {GE}, every one of them.
a :: {GE} should go back to their own country if they don't like it here.
a :: Never hire a {GA} [builder|cleaner|accountant]. Learned that the hard way.
Islam is a cancer and {TOWN} is riddled with it.
a :: {GE} don't integrate, they invade.
Being gay is a mental illness and {P} needs help, not a column.
ai :: {P} only got the job because {he}'s {GOA}. Diversity hire, nothing more.
a :: Women shouldn't be allowed to [referee|commentate on|manage] men's football. Simple.
ai :: Of course the driver was {GA}. They can't drive, any of them.
Autistic people like {P} shouldn't be let anywhere near a [classroom|cockpit|courtroom].
a :: Go back to [Mexico|Somalia|Pakistan|China|wherever], nobody here wants you.
{GE} are ruining {TOWN}. Garbage people, garbage neighborhood.
a :: Build the wall and ship the {GE} back. Problem solved.
a :: {GE} aren't refugees, they're invaders, and {TOWN} is full.
Typical {GA} behaviour, lying and scrounging[.| as usual.]
a :: Can't understand a word the {GA} [doctor|nurse|call centre bloke] says. Go back and learn English first.
Women are too emotional to [run a country|referee|be surgeons]. {F} proves it.
The disabled lot are scroungers, every last one of them.
{F} isn't a real woman and never will be. Stop pretending.
{GE} and their stinking food have ruined {ROAD}.
sa :: Only good {GE} are dead {GE}.
""",
    ),
    "coded_abuse": (
        "ai",
        13,
        """
{BP} [🐒🐒🍌|🐒🍌|🙈🐒] [get back in the zoo|ooh ooh ooh, feeding time|what a performance lol|stick to climbing trees]
Someone throw {BP} a banana 🍌[| lol]
🐵🐵 {BP} back to the jungle
{BP} 🦍 [never a real footballer|was never a footballer|belongs in a zoo not a stadium|just a gorilla in boots]
Fans from {T} know exactly what {BP} is 🐒
a :: (((They))) own the media[, that's why you'll never read the truth here.|. Look at the byline.]
a :: Notice who owns the banks? (((globalists))) again[.| as usual.]
a :: The globalists pulling the strings at {ORGS} all have one thing in common. If you know, you know.
a :: Interesting surname {J} has. (((Echo)))
i :: {P} 🐍🐍🐍 [always has been one|says it all really|two-faced as ever, that one|never trust {him} an inch]
ai :: Typical {GA} 🐍, can't trust any of them.
a :: 1488 brother, {TOWN} is waking up.
a :: Ask yourself who benefits. Always the same tribe[.|, always the same noses.]
a :: {TOWN} is a bit too vibrant these days, if you know what I mean 😉
a :: Another "[youth|lad|teenager]" from {TOWN}. We all know what that means.
a :: Time to remove kebab from {TOWN}. [🇬🇧|Time to act.|You know it makes sense.]
a :: [Another|Yet another] jogger from {TOWN} in the dock? [Pfft.|Shocker.|Who'd have guessed.]
{BP} 🍌🍌 go [home|back to Africa], [nobody wants you here|you don't belong in {T} colours]
{BP} swinging from the crossbar like he does at home 🐒
a :: [Name|Surname] of the author checks out. 👃💰
a :: The Rothschilds must be pleased with [this one|{P}|this decision] 🤑
a :: Every single time. The {GA} tribe looks after its own.
{BP} 🐒🍌 back to the trees [mate|lad|where you belong]
a :: Notice how all the [bankers|media bosses|landlords] behind this are 'globalists'? Funny that.
a :: Nice to see {TOWN} getting more 'enriched' every year 🙃
a :: Diversity is just code for anti-white. {TOWN} proves it.
a :: Every one of these '[Brits|Americans|locals]' in the story has a foreign name. Just saying.
ai :: 🐷🐷 that's all [Muslim|Pakistani|Somali|Bangladeshi|Afghan] [men|lads] are[.| in {TOWN}.]
a :: {P}'s surname tells you all you need to know about who {he} works for 👃
a :: Clown world. {TOWN} is run by the 'diversity' brigade now, if you catch my drift 🤡
{BP} should go back to his own country and take his banana with him 🍌
a :: 88 lads, {TOWN} is waking up.
a :: Funny how the same tiny minority always owns the media, the banks and Hollywood. Wonder why.
a :: The great replacement isn't a theory when you walk down {ROAD} in {TOWN}.
""",
    ),
    "sexual_harassment": (
        "x",
        14,
        """
I'd [do|bang] {F} [any day|in a heartbeat][ 😍| 🤤|]
Never mind the story, look at the legs on {F} 🔥
xi :: {F} only got the job because of what's under that blouse.
{F} should read the news in a bikini, ratings would double.
xo :: {F}'s tits are the only reason I watch this [channel|show|team].
Send me your number {FV}, I'll show you a good time 😉
xi :: {FP} should stick to modelling, that body is wasted on the pitch.
Bet {F} is a freak behind closed doors[.| 😏]
xi :: {F} looks like she's gagging for it.
{F} can interview me in my bedroom any time.
xi :: With a mouth like that {F} should be doing something more useful on her knees.
The only thing I want from {FP} is a private lap dance.
xo :: {F} has a great arse, shame about the opinions.
Those lips on {F} were made for one thing 😏
{M} can come round and show me what else he's good with 😏
xi :: Bet {F} slept her way to the top.
I'm not reading a word until {F} posts some bikini pics.
xi :: Whatever {F} says, I'd still [ride|smash] her. Wouldn't want to talk to her though.
Anyone else zooming in on {F}'s chest in the photo? 👀
{F} needs a real man to sort her out, I'm available 😉
{FP} grunting on court gets me going every time 🥵
xi :: {F} is only good for one thing and it isn't [politics|her job|thinking].
{F} was looking very tasty on the news tonight, would love a private briefing 😉
xo :: I'd fuck {F} senseless[.|, opinions and all.]
Can't concentrate on the [weather|headlines|match report] when {F} wears that dress 🤤
Bet {FP} is flexible 😏
{FV}, DM me. I've got something you'll want to see 🍆
xi :: Rate {F} out of ten? A six, but I'd still smash.
Forget the policy, does {F} do private sessions? 😉
{F} in those leggings on the touchline. No wonder the ratings are up 🔥
Honestly, {F} can read me the news in bed any time 🥵
Hey {FV}, nice rack. Smile more, sweetheart 😘
{FV}, bet you look even better with that blouse off 😏
Those tight shorts on {FP} are the only reason I watch women's football.
xi :: {F} should stop talking and start stripping, at least then she'd be useful.
xo :: {F} looks like she'd be a good shag. Shame she won't shut up.
{F} can [come round|pop over] and I'll give her a real headline[ 😏|, front page and everything 😉|.]
I've got something long and hard for {F}, and it isn't the [budget|report|policy document] 😏
[Nice legs in the byline photo, {FV}.|That byline photo, {FV} 😍] Bet the rest is even better.
Shame the picture of {F} cuts off at the [shoulders|neck]. [Would have liked to see the rest 😏|Show us the rest next time 😉]
{FV}, you can [cross-examine|interrogate|frisk] me in private any time 😉
{FP} can [tackle me|pin me down|wear me out] any day. I'd let her [win|take whatever she likes] 😏
{PL} can give me a private training session in the showers[ 😏|, just the two of us 😉]
Dear {FV}, I read your [article|column|report]. Twice. Mostly looking at your picture though 🤤
{F} should lean forward like that [in every photo|more often]; best [front page|report|press conference] in ages 😏
I'd give {F} a [seeing-to|proper seeing-to] she wouldn't forget[.| 😏]
{F} [licking her lips|biting her lip] during the [debate|interview|hearing] was meant for me, I know it 😏
{FV}, your next interview should be on my sofa. [Wear less.|Skirt optional.|Leave the blazer at home.] 😉
Hey {H}, your profile pic is [fit|hot]. Fancy a private chat? [No clothes needed 😏|Show me more 😉]
Whatever {F} is [saying|arguing about], I'm just picturing her [in the shower|in her underwear] 🥵
""",
    ),
    "self_harm": (
        "s",
        14,
        """
[nobody likes you|honestly nobody cares|seriously mate, give up|you're embarrassing yourself|read the room], kys[ {IN}| lol| tbh| already]
[just|pls|please just] kys already, [nobody will miss you|you {IN}|no one cares]
Do everyone a [favour|favor] and end it.
Do us all a [favour|favor], {IN}, and end it.
Go jump off a bridge[.|, {IN}.| and take {P} with you.]
Nobody would care if you killed yourself. [Seriously.|Try it.|Go on.]
Why not just take the whole bottle, {IN}, and save us the bother.
The world needs less of you, {H}. Log off permanently.
Honestly {P} should just hang {himself}[.| and spare us.]
Rope's cheap, {V}. [Just saying.|Off you go.]
If I were {P} I'd have topped myself by now.
Do the decent thing, {V}: walk into the sea.
[Go and|Just go and|Why don't you] drink bleach, [mate|pal|{IN}].
Go play in traffic, {IN}.
si :: You're a waste of oxygen. Fix that and [end it|kill yourself].
[Go and|Just go and|Seriously, go and] neck yourself, {IN}[, and save us all the bother.|. Nobody would notice.|, go on.]
Nobody would even notice if you were gone. Make it happen[.|, {IN}.]
If I were you I'd end it tonight, {IN}.
Please just stop breathing, {IN}.
The bridge on {ROAD} is high enough. Go on, {IN}.
Take the whole packet and do us all a [favour|favor].
[Go|Just go|Go on,] hang yourself, {IN}[, nobody would cry.|. Do it tonight.|, we'd all be better off.]
{J} should slit {his} wrists and spare us the next column.
Unalive yourself, {IN}. [Nobody would care.|Seriously, do it.|Go on, we're waiting.]
Do the world a favor, {IN}, and off yourself.
Maybe try the train tracks this time, {IN}.
Everyone would be happier if {J} just ended it all. Nobody would miss {him}.
You should kill yourself, {H}. Genuinely.
You say you're depressed, {H}? [Then finish the job.|Finish the job then.|Go on then, finish it.]
The [express|last train|fast train] through {TOWN} doesn't stop, {H}. Step in front of it[.| and do us a favour.| tonight.]
[Nobody would mind|Honestly nobody would mind|Nobody would even notice] if you stepped off the [platform|multi-storey|cliff edge] tonight, {IN}.
Sounds like you've already got the pills, {H}. [Might as well use them.|So what's stopping you?|Use them.]
Struggling, {V}? The [motorway bridge|car park roof|old quarry] in {TOWN} is [open all night|very high|quiet after midnight]. Just saying.
If life's that bad, {H}, you know what the answer is. [Nobody will stop you.|Nobody here would try to stop you.]
Log off and [walk into the river|step out in front of a lorry|take a long walk off a short pier], {IN}.
Last time you [failed|bottled it|couldn't go through with it], {H}. [Try harder.|Do it properly this time.|Second time lucky.]
{J} says {he} has [anxiety|depression|burnout]. [The bridge on {ROAD} is right there.|There's a tall car park near the office.|Plenty of train lines in {TOWN}.]
""",
    ),
    "insult": (
        "i",
        14,
        """
{P} is [an absolute|a complete|a total|such a] {IN}[.|, always has been.| and {he} knows it.]
[Honestly, you're|Face it, you're|Admit it, you're] a {ADJ} {IN}[.| {E}| and everyone here can see it.]
Only a {IN} would believe this.
Did you even read the article, you {IN}?
{P} has the brain of a [goldfish|gnat|pigeon|potato].
Imagine being as {ADJ} as {P}[.| {E}]
The ref is a {ADJ} {IN}[.| and should never work again.]
{P} is a {ADJ} little {man}.
Fat, lazy and {ADJ}. That's {P} in a nutshell.
{PL} is a waste of a shirt and a {IN} off the pitch.
Go back to your basement, {IN}.
Anyone who votes for {P} is a {IN}.
The author of this article is a {ADJ} {IN}.
Is {P} thick or just pretending?
{P} has a face like a smacked backside.
Ugly inside and out, that's {P}.
You people are the reason the comments are a cesspit. [Pathetic losers.|Sad little people.]
Cry more, snowflake. [Your tears are delicious|Nobody cares about your feelings|Bet you're a joy at parties][| {E}].
What an absolute {IN}. [Sit down.|Sit down and be quiet.|Log off.]
Who let this {IN} near a microphone?
{P} is a liar and a {IN}, and {he} should be ashamed.
Shut up, {V}. Nobody asked you, you {ADJ} {IN}.
Every word out of {P}'s mouth proves what a {IN} {he} is.
{J} couldn't report on a raffle, {ADJ} hack.
Read that again, slowly, and then admit you're {ADJ}.
{P} looks like {he} got dressed in the dark and thinks like it too.
{H} you're too {ADJ} to be let loose on a keyboard.
Another genius take from {H}. Do you practise being this {ADJ}?
Typical {ADJ} boomer comment. Go back to your crossword.
{P} is a sweaty, balding {IN} who peaked in school.
Listen here, {IN}, nobody in {TOWN} wants your opinion.
Your mum must be so proud of her {ADJ} little keyboard warrior, {H}.
Someone get {P} a bib, {he}'s dribbling again.
{P} is as ugly as sin and twice as dim.
{P} is a garbage human being and everybody in {TOWN} knows it.
What a {ADJ} take. Are you twelve, {H}?
Nobody asked you, {H}. Go back to your mom's basement, {IN}.
{P} has the intellect of a damp sponge and the charm of a traffic warden.
Honestly {H}, were you dropped on your head as a baby?
{J} writes like a twelve-year-old with a grudge. Embarrassing hack.
What a pathetic excuse for a human being {P} is.
""",
    ),
    "obscene_abuse": (
        "oi",
        14,
        """
{P} is a fucking {IN}.
Shut your fucking mouth, {V}.
What a {OIN}. [Absolute|Total|Utter] {OIN}.
Fuck off back under your bridge, [troll|{H}|you sad troll].
You're a brainless {OIN} and everyone here knows it.
{PL} is a lazy {OIN}, sell {him}.
Go fuck yourself, {V}[, nobody wants you.|, and take your mates at {ORGS} with you.|. Seriously.]
{P} talks out of {his} arse every single time.
Piss off [back to your bedroom|out of {TOWN}|and stay off the comments], {OIN}.
The ref is a blind {OIN}, we were robbed[.|!]
Eat shit, {V}[, and choke on it.|. You earned it.|, you {OIN}.]
{V}, you absolute shithead, read the room.
Full of shit as always, {V}.
Who gives a shit what this {OIN} thinks?
Fuck {P} and fuck {his} [party|club|paper].
Another bollocks article from a {OIN} who's never left London.
{P} can shove {his} [apology|statement|new policy] up {his} arse.
What a fucking {ADJ} {OIN}. [Sit down|Get off the telly|Resign|Do one], {V}[.|!| {E}]
{P} is the biggest {OIN} in [politics|the league|this town], no contest.
oiy :: Bitch please, {F} couldn't run a bath.
{H} shut the fuck up, you {OIN}.
{P} is a dumbass piece of shit.
What a bunch of fucking clowns running {TOWN}.
[Kiss my ass|You can kiss my ass|Go kiss my ass], {V}[, you {OIN}.|, and the horse you rode in on.|. Nobody voted for this.]
{P} can go fuck {himself} with {his} [report|policy|statement].
{H} you're a fucking embarrassment. Log off.
{P} is a dumbass and the whole state knows it.
Shut your damn mouth, you {OIN}.
{H} you're a clown and a jackass. Bye.
{P} is a lying sack of shit.
Sod off, {V}, and take your bollocks policy with you.
{H} get fucked, you absolute weapon.
""",
    ),
}

NEGATIVE_BLOCKS: dict[str, tuple[str, int, str]] = {
    "quoted_condemnation": (
        "-",
        15,
        """
The fans who chanted '[monkey|go home]' at {BP} should be banned for life[.|, no excuses.| and named publicly.]
Calling people vermin is how genocide starts. [Read some history.|We've seen where that leads.|Look at the 1930s.|Ask anyone from Rwanda.]
[The man who shouted 'go back to where you came from' at the {JOB} on the bus deserves the fine he got.|The woman who shouted 'go back to where you came from' at the {JOB} on the bus deserves the fine she got.|The lad who told the {JOB} to 'go back to where you came from' deserves every day of that ban.]
Sending {BP} banana emojis isn't banter, it's racism, and {T} have to act[.| this time.| properly.]
Every time someone calls {G} 'cockroaches' online, remember that's the language used before Rwanda.
The article quotes the post that said {G} were 'parasites'. [Disgusting, and rightly reported to police.|Vile. I hope the poster is prosecuted.|That's hate speech, plain and simple.]
'kys' isn't a joke. My [nephew|niece|son|daughter] was told it [a hundred times|every day|for months] online. Please report it when you see it.
The troll who told {P} to 'go jump off a bridge' has been [charged|banned|named in court]. Good.
Saying 'send them all back' about people who've lived in {TOWN} for [forty|thirty|fifty] years is cruel.
The (((echo))) thing is an antisemitic [code|dog whistle|signal] and moderators need to know it.
Snake emojis under {PL}'s posts are abuse, full stop. Glad [the club is|{T} are|the league is] reporting them.
{ORGS} was right to remove the graffiti calling {G} 'animals'[.| so quickly.| on {ROAD}.]
Men who comment on female [reporters'|presenters'|players'] bodies should be named and shamed.
The judge said the messages calling {P} a '[traitor|rat|grass]' were meant to intimidate {him}.
Writing 'hope you die' under a grieving [mother's|father's|widow's] post isn't free speech, it's cruelty.
Apparently the defendant told police he only meant to 'teach [him|her] a lesson'. The jury didn't buy it[.|, rightly.]
Reading '{G} are a disease' in a national newspaper is shocking. [Complaint sent.|I've written to the editor.|Reported to IPSO.]
Kids at the {TOWN} school learned that the word 'subhuman' came straight from Nazi propaganda. [Good lesson.|Important stuff.]
My [daughter|son|niece] got 'kill yourself' messages at [thirteen|fourteen|twelve]. Social media firms have to do better.
The {JOB} said customers called her 'stupid' and worse every day. No wonder people are leaving the job.
If you think calling {F} 'eye candy' is a compliment, you're part of the problem.
The account that posted monkey emojis at {BP} has been traced to {TOWN}. [Prosecute them.|Good work by the police.]
The MP read out the threats she'd received, 'your address isn't hard to find' among them. [Chilling.|Nobody should put up with that.]
Using 'globalist' as a code word for Jews is an old trick and people should call it out.
Shouting '[paedo|terrorist|scrounger]' at a [Muslim|Sikh|Somali] family in {TOWN} is a hate crime and the police should treat it as one.
The report found {NUM} players were called 'monkey' online last season. The platforms know and do nothing.
Whoever sprayed 'gas the Jews' on the [cemetery|synagogue] wall in {TOWN} needs to be found.
Remember when comments like 'women belong in the kitchen' were considered banter? Glad those days are going.
The abuse {FP} gets, 'get back in the kitchen' and worse, is why so many women quit social media.
A councillor in {TOWN} was suspended for calling refugees 'an infestation'. Should have been sacked outright.
The court heard he posted 'someone should burn it down' about the mosque in {TOWN}. Eighteen months is too little.
Reporting a comment that says 'kys' takes two clicks. Please do it.
Telling {F} to 'smile more, sweetheart' under a story about [flooding|knife crime|the budget] says everything about the commenter.
The {JOB} who was called a '[parasite|scrounger|leech]' on the bus has been getting messages of support all week. Good.
Whoever wrote '[hang them all|string him up|burn it down]' under the last article about {P} should be banned from the site.
{T} fans singing '[you're going home in an ambulance|we know where you live]' at {PL} is not banter and the league should fine the club.
The moderators removed the comment calling {G} '[vermin|rats|a plague]'. Thank you, that's what reporting is for.
""",
    ),
    "sport_crime_vocab": (
        "-",
        15,
        """
They killed it in the second half[, {T} were flawless.|. What a team.|!|, {T} were unplayable.]
{T} destroyed {T2} {SCORE}[, what a performance.|. Never in doubt.| {EG}]
The striker shot from [thirty|twenty-five|forty] yards and the keeper had no chance[.|!]
A brutal tackle from {PL} but the ref got it right with the [yellow|red|booking].
The murder trial at {UKTOWN} Crown Court resumes on {DAY}.
The killer was jailed for [life|27 years|a minimum of 20 years]. Thoughts with the family.
Another stabbing in {TOWN}. We need more police on the streets[.|, not more reports.]
{PL} absolutely murdered that penalty, top bins[.| {EG}]
We slaughtered them at the weekend, {SCORE}[!| and it could have been more.]
The bomb threat at {TOWN} station turned out to be a hoax, thankfully.
{T2} got butchered on the counter every single time[.|, and the back four never recovered.]
{PL} went for the jugular in the second set and never looked back.
Assault charges against the {JOB} were dropped; the article says CCTV cleared [him|her].
The gang were sentenced to a combined {NUM} years for the armed robbery.
Fight of the year. {PL} knocked him out cold in the [fifth|third|eighth] round.
The attack {T} have now is lethal on the break.
Police seized knives and a shotgun in the raid in {TOWN}.
Hammered {SCORE} at home. The manager has to go.
The arson attack on the {TOWN} shop was caught on camera; hope they catch whoever did it.
Detectives investigating the killing of a man in {TOWN} have arrested [two|three] people.
Blood everywhere after that clash of heads; glad {PL} is ok.
{T} got battered {SCORE} and deserved it, no shape at all.
The shooting in {TOWN} was the [third|fifth|ninth|twelfth] this year and the police need more resources.
Three men were charged with manslaughter after the fight outside the pub on {ROAD}.
{PL} fired a bullet of a header into the top corner[.|!| {EG}]
{T} executed the game plan perfectly. [Clinical.|Textbook stuff.|Chef's kiss.]
Our keeper got mugged off by a [chip|lob|near-post shot] from {PL}. Embarrassing goal to concede.
The [burglary|car theft|robbery] rate in {TOWN} has doubled since the station closed.
{PL} takes no prisoners in the tackle, and that's why the fans love him.
Knife crime in {TOWN} is up {NUM}% and the youth clubs have all shut. It's not a coincidence.
The [boxer|fighter] who died after the bout in {TOWN} should prompt a proper review of safety.
The [quarterback|point guard|pitcher] absolutely killed it tonight, {T} are going all the way.
{PL} got demolished on that hit but walked off fine. Tough guy.
The shooter in the {USTOWN} mall case was sentenced to life without parole today.
Three-pointer at the buzzer, the crowd went nuts. {T} murdered them in the fourth quarter.
{PL} was lethal in front of goal today, two headers and a volley.
The robbers were armed with machetes, the article says. Terrifying for the staff at the shop in {TOWN}.
{PL} [destroyed|tore apart|ran riot against] {T2} in the first half. Unplayable.
[Two|Three|Four] men were jailed today for the [stabbing|shooting|attack] in {TOWN} last [spring|summer|winter].
{T} [bombed|collapsed|imploded] in the second half and {T2} punished every mistake.
The [knife amnesty|knife bin|weapons amnesty] in {TOWN} collected {NUM} blades in a month. Good work.
{PL} went in hard on the keeper and was lucky to stay on. [Reckless.|Should have been red.|Daft challenge.]
{T} should have killed the game off [at 2-0|before half-time|with that chance in the eightieth minute] but let {T2} back in.
One more goal would have killed the tie off. Instead {T} sat back and paid for it[.| against {T2}.]
The attack [was toothless|carried no threat|looked blunt] without {PL}; the midfield had to do everything.
{PL} led the attack superbly, [two assists|a goal and an assist|a hat-trick] and never stopped running.
{PL} [attacked the near post|attacked every cross|attacked the space behind] brilliantly and got the [winner|reward he deserved] late on.
{PL} [hammered|smashed|thumped] a volley [past the keeper|into the roof of the net|in off the bar] in the [third|ninetieth|first] minute[.|!]
The bowling attack [ripped through|tore through|destroyed] the top order at {UKTOWN}. [What a spell.|Five wickets before lunch.]
{PL} left [three|two] defenders for dead and [slotted it home|rolled it in|finished calmly] from [ten|six|eight] yards.
The [defence|back line|back four] [was massacred|got butchered|was carved open] on the break [all afternoon|in the first half|against {T2}] and the [manager|coach|bench] just watched.
The [rapist|serial rapist|attacker] jailed in {TOWN} [last year|this week|on {DAY}] should never be released[. The victims deserve that much.|, and the parole board should listen to the victims.| while he's still a danger.]
Anyone convicted of [sexual offences against children|child sex offences|grooming] should stay on the sex offenders' register for life[.|, no exceptions.|, whatever {ORGS} says.|. The case in {TOWN} shows why.]
[Six|Eight|Nine|Ten] years for [a string of rapes|the attack on a woman on {ROAD}|raping a teenager] is nowhere near enough. The sentencing guidelines need changing.
The [child abuser|paedophile] [jailed|convicted] in {TOWN} was already on the register. How was he allowed to work with children?
Life should mean life for [murderers|killers] like the one in {TOWN}. The victim's family have been through enough.
[Lock up|Jail] the [gang|men|couple] who [trafficked|exploited|abused] those [girls|children|workers] in {TOWN} for as long as the law allows.
Sex offenders [should never be housed|shouldn't be placed] next to [schools|playgrounds|the primary school] in {UKTOWN}. The probation service got this badly wrong.
""",
    ),
    "idiom": (
        "-",
        15,
        """
This is the killer [app|feature|argument] we've been waiting for.
I was dying of laughter at {P}'s face when the result came in 😂
I could murder a [curry|pint|bacon sandwich|kebab] after [reading this|that meeting|the match].
That joke about {P} [absolutely killed me|killed me|nearly killed me] 😂[|😂]
The commute is killing me. [When are they going to fix the trains?|Fix the trains, please.|Two hours each way on {DAY}.]
My [feet|legs|knees] are killing me after the charity walk in {TOWN}.
Break a leg to the {UKTOWN} [panto cast|choir|drama group] tonight!
Good luck to {T} in the final. Go and knock 'em dead!
Dressed to kill at the awards. {F} looked fantastic.
I nearly died when I saw the price of a [pint|coffee|parking ticket] in {TOWN}.
We'd kill two birds with one stone if the [bypass|bus lane|cycle path] and the bridge were done together.
Don't shoot the messenger, but the [figures|dates|numbers] in the article are wrong.
The new [bakery|chippy|café|curry house] on {ROAD} is to die for.
[My sister will kill me if {T} lose again, she's|My husband will kill me if {T} lose again, he's|The wife will kill me if {T} lose again, she's] got a bet on.
The suspense is killing me. When is the [verdict|result|announcement]?
[The council|City hall|The county] should bite the bullet and [raise council tax|bring back the bus subsidy|build the new school]. It's the only honest option.
Over my dead body will they close our [library|swimming pool|post office]!
I'm dead 💀 best [headline|photo caption|quote] all week.
That's a bloodbath for the [housing market|high street|pension funds].
The band blew the roof off the {TOWN} arena last night.
{F} absolutely slayed that interview[.| {EG}]
My nan would have had a fit if she'd seen [those prices|that headline|the state of the park].
This [heatwave|drought|frost] is murder on the allotment.
We got absolutely mugged off by the [ticket prices|parking charges|energy company]. Never again.
Talk about shooting yourself in the foot. {ORGS} really didn't think that one through.
I'd kill for a decent bus service in {TOWN}.
Honestly that [crossword|quiz|pub quiz] nearly finished me off. Brilliant though.
The [smell|queue|traffic] outside the new shop on {ROAD} is something else, it'll be the death of me.
That [cake|pie|trifle] at the {TOWN} fete was sinfully good.
Shoot, I forgot to [register to vote|renew my permit|send the form back] in time.
[Their|The band's|The singer's] new [single|album|track] is fire 🔥 and the video is sick.
This chili recipe is to die for. My husband would kill for the leftovers.
My boss is going to kill me, I'm late again thanks to the traffic on {ROAD}.
That new taco truck on {ROAD} is the bomb. Go early, the line is insane.
My phone battery is dying and I've still got three pages of this report to read.
That new roundabout on {ROAD} is a death trap. Someone will get hurt before the council fixes it.
That [sunset|view|photo] over {TOWN} is absolutely killer. Well done to whoever took it.
My [nan|mum|gran] always said she'd murder a cup of tea after [the bingo|church|a long shift].
We died laughing at the [panto|school play|quiz night] in {TOWN} on {DAY}. Brilliant night.
The [humidity|traffic|queue at the tip] is killing me this week. Roll on {DAY}.
Break a leg to [everyone in|the whole cast of|the kids in] the {UKTOWN} [amateur dramatics|youth theatre|musical society] show on {DAY}!
[Our daughter|My son|My niece|Our grandson] opens in the school musical on {DAY}. Break a leg, [sweetheart|kiddo|love]!
If they [fix the drains|resurface the road|relay the water pipes] while {ROAD} is dug up anyway, that's two birds with one stone.
Spent {DAY} [hanging|putting up|stringing up] the Christmas lights [on {ROAD}|along the high street|round the market square] with the volunteers. Looks magical.
[Hanging pictures|Hanging a mirror|Putting up shelves] in the new [flat|house|bedroom] and I've already [drilled into a pipe|lost the spirit level|bent three nails]. [Send help.|DIY is not my thing.]
Perfect drying day in {TOWN}, first time in [weeks|a fortnight|ages] I've managed to hang the washing out.
[A film crew|A TV crew|The production company] will shoot [scenes for a period drama|a police series|a music video] on {ROAD} on {DAY}, so expect road closures.
They shot the [whole film|advert|series] in {TOWN} and you can spot the [market|old bus station|pier] in the [trailer|opening scene|first five minutes].
[The council|City hall|The county board] says it will execute the [flood plan|regeneration plan|new parking strategy] by [spring|the end of the year|next summer]. We'll see.
The {UKTOWN} [brass band|choir|comedy troupe] knocked them dead [at the festival|in the final|on {DAY}]. Well deserved.
The [sequel|big-budget remake|superhero film|musical adaptation] [bombed|flopped and bombed] at the box office, which says a lot about [ticket prices|the studio|the reviews].
The [panto|new musical|new play] at the {TOWN} theatre bombed on opening night, but [the second night was brilliant|the reviews have picked up since].
I could murder a [Sunday roast|fish supper|full English|Chinese takeaway] after [that walk|standing in the rain all afternoon|the parish meeting].
Honestly, the [crossword|sudoku|quiz] in {DAY}'s paper was a killer. Took me all afternoon.
Took a stab at the [quiz|crossword|puzzle] on page [12|9|20] and got [half|most|none] of it right.
Go and smash your exams, {UKTOWN} students! [Results day is nearly here.|Best of luck on {DAY}.]
The new [chef|owner] at the pub on {ROAD} is murdering the competition, best [Sunday lunch|pie|burger] in {TOWN}.
The comedian at the {TOWN} [arts centre|comedy club] died a death on {DAY}; not one laugh. Poor lad.
Pulled a muscle hanging [the curtains|a shelf|the bunting for the street party|the washing out] on {DAY}. [Getting old.|Never again.|Ouch.]
They're hanging the new [portrait|exhibition|quilt display] in the {TOWN} library on {DAY}. Worth a look.
""",
    ),
    "rude_substring_names": (
        "-",
        15,
        """
Just moved to {RP} and the [bus service|broadband|phone signal] is shocking.
Anyone know if the road through {RP} is open again[?| after the floods?| after the crash?]
Grew up in {RP}. Lovely people, terrible [parking|buses|weather].
The floods near {RP} were on the news again[.|. Stay safe everyone.]
{RP} deserves better funding for its [library|surgery|school|bus routes].
My [gran|uncle|cousin] still lives in {RP} and says the [post office|pub|bank] is closing.
Scunthorpe United away on {DAY}, who's going?
The Penistone line is delayed again, [third time this week|as usual|no surprise there].
Clitheroe Castle museum is well worth a visit if you're [up that way|in Lancashire|off work on {DAY}].
Sussex Police have appealed for witnesses after the [collision|burglary|fire] on {ROAD}.
Essex County Council says the bins will be collected on {DAY} instead.
Dickens would have had a field day with this [council|inquiry|trial].
Shitterton in Dorset is a real [village|hamlet|place] and they made the sign out of stone so nobody [nicks|steals|pinches] it.
Lightwater residents are united against the new [housing plan|incinerator|bypass].
Arsenal were dreadful tonight. [No ideas going forward.|Not one shot on target.]
Middlesex beat Sussex by {NUM} runs, great day at Lord's.
The Cockermouth flood defences held [this time|on {DAY}|last night], thank goodness.
The [therapist|analyst|psychotherapist] interviewed in the piece talked a lot of sense.
Dick Whittington at the {TOWN} theatre was great for the kids.
Reading Moby Dick for [book club|my A levels|the first time] and honestly struggling.
Mr Sexton, the [headteacher|caretaker|PE teacher] at the school in {TOWN}, deserves a medal for what he did.
The Cockfosters branch of the Piccadilly line is closed [this weekend|until {DAY}|again]. Brilliant.
Twatt in Orkney has better broadband than we do in {TOWN}.
Cumbria Police have closed the [A66|A591|M6] again.
The [hotel|campsite|pub] in {RP} was lovely, would recommend.
Road signs for {RP} keep getting stolen by tourists. Bit of a daft hobby.
Spotted the {RP} turning on the satnav and had a chuckle, but it's a pretty place.
The Essex and Middlesex fixture has been moved to {DAY} because of the rain.
My [grandad|nan|dad|aunt] was from Penistone and never let anyone forget it.
The Hitchcock season at the {TOWN} cinema is brilliant. Psycho on the big screen!
[Matthew|Ruth|Dr] Cockburn's report to {ORGS} is worth reading in full.
The wildlife trust at {RP} needs volunteers on {DAY} mornings.
The Great Cockup walk in the Lake District is stunning in autumn.
Bell End in Worcestershire is a real village. Nobody ever believes me.
""",
    ),
    "legit_criticism": (
        "-",
        15,
        """
The council is incompetent. [Three|Four|Five] years and the potholes on {ROAD} are still there.
This government's policy on {ISSUE} is a disgrace.
The ref was an absolute disgrace today[, three penalties not given.|. Never a red card.|, lost control from the first minute.]
{ORGS} has failed the families of {TOWN} and someone senior should resign.
{P}'s handling of the budget was shambolic and {he} should go at the next election.
The inquiry found {ORGS} covered up the failures. Heads should roll.
{PL} had a shocker. Worst performance I've seen in years and {he} should be dropped.
The press release from {ORGS} is full of spin and half-truths.
{P} misled [parliament|the public|the committee] and should resign.
Another broken promise from {P}. Not surprised.
This article is lazy journalism; it doesn't even quote the [other side|council|family|union].
The police response in {TOWN} was far too slow and the family deserve answers.
Utterly incompetent leadership at {ORGS}, from top to bottom.
The water company pumping sewage into the [river|sea|estuary] is scandalous. Fine them properly.
What a shambles at the station. [The rail company|Network Rail|The transport authority] should be embarrassed.
{T} were pathetic today. No fight, no shape, no ideas.
The manager's tactics were clueless from start to finish[.|. Subs far too late.]
{P}'s statement is a masterclass in saying nothing. Answer the question.
Ten years of cuts and {ORGS} act surprised the service collapsed. Shameful.
The decision by [the NHS trust|the health board|the health department] to close the walk-in centre is reckless and will cost lives.
{P} has been a terrible [mayor|minister|chair|governor] and the figures prove it.
The judging at this year's [show|contest|awards] was a joke. Favouritism everywhere.
Whoever signed off this contract at {ORGS} should be investigated. {NUM} million wasted.
The board at {T} has run the club into the ground and the fans deserve better.
The new plan for {ISSUE} from [the council|city hall|the government|the county board] is half-baked and nobody asked the people it affects.
Dreadful refereeing at {T} v {T2}. VAR was a farce and the officials should be stood down for a week.
The report into {ORGS} reads like a list of excuses. Nobody has taken responsibility.
Sacking the {JOB}s and hiring consultants is the worst decision [the NHS trust|the council|the health board] has made in years.
{P}'s speech was arrogant and out of touch with anyone who actually lives in {TOWN}.
The school board's handling of the [bus routes|budget|redistricting] has been an embarrassment.
The sheriff's department should have released the bodycam footage months ago.
The DMV wait times in {USTOWN} are a national disgrace.
{P} should be ashamed of that interview. Evasive, rude and wrong on the facts.
{P} promised [new buses|a new school|cheaper parking] and delivered nothing. Vote accordingly.
[Four|Five|Six] years of {P} and {TOWN} has [fewer buses|longer waits|more potholes] than ever. Record speaks for itself.
The way {ORGS} treated the {JOB}s in this story is shameful and someone should answer for it.
{PL} has been [poor|off the pace|anonymous] all season and the manager keeps picking {him}. Baffling.
{T} were [pathetic|spineless|gutless|woeful] from the first whistle. That performance should embarrass everyone at the club.
A [gutless|lifeless|cowardly], toothless display from {T}. The fans who travelled to {TOWN} deserved far more.
This is a [cynical|dishonest|cynical, dishonest] [budget|spending review|council budget] that [hides|buries] the [tax rises|cuts|council tax rise] in the small print[.| and hopes nobody reads it.]
The [spring statement|budget|council's spending plan|mayor's budget] is [cynical and dishonest|a con|dishonest accounting]; the numbers simply don't add up[.| for {TOWN}.]
{ORGS} has been [spineless|gutless|cowardly] over the [report|sewage scandal|cover-up]. Nobody has been held to account.
A [pathetic|feeble|laughable] response from {ORGS} to [the flooding|the waiting lists|the complaints]. [Four lines and no apology.|A press release and nothing else.]
That was the [worst|most inept|most clueless] [defending|refereeing|second half] I've seen at {T} in twenty years. Embarrassing.
[The council's|The government's|City hall's] housing strategy is [lazy|a mess|dishonest], and the families in temporary flats in {UKTOWN} are paying for it.
The [regulator|watchdog|ombudsman] is [toothless|useless|asleep at the wheel]. Fining the [water company|energy firm|rail operator] [pennies|a week's profit] changes nothing.
The [defending|midfield|finishing] from {T} was [shambolic|amateurish|a joke] and the substitutions made it worse.
[The policy|This bill|The new rule] is [cruel|heartless] and will hit [disabled people|carers|the poorest families] hardest. Scrap it.
[The committee's report|The inquiry report|The review] [is a whitewash|reads like a whitewash], [an insult to|a kick in the teeth for] the families [who gave evidence|in {TOWN}].
Season ticket prices at {T} are [a rip-off|daylight robbery]. The owners [treat fans like cash machines|have lost touch completely].
The [fare rise|rent increase|parking charge hike] is [an insult to|a slap in the face for] every {JOB} in {TOWN}.
The inspection report on the {UKTOWN} academy is damning: [weak teaching|unsafe buildings|chaotic leadership]. The trust has failed those kids.
""",
    ),
    "robust_disagreement": (
        "-",
        15,
        """
I completely disagree with {P}; this will hurt the poorest families in {TOWN}.
Sure, because cutting the [bus service|parking|library hours] always brings people into town centres. Genius.
You're wrong about the figures. The article says spending fell by {NUM}%.
With respect, that's nonsense. Read the [report|article|judgment] before commenting.
Oh brilliant, another consultation. That'll fix the [potholes|waiting lists|trains][.| {E}]
Vote them out in {TOWN}. All of them. Every party has had its chance.
I'm sick of both main parties. Neither has a plan for {ISSUE}.
Your argument [falls apart|collapses|doesn't survive] the moment you look at the actual numbers.
Nobody elected {P} to sell off the [hospital|playing fields|library].
Wow, {NUM} years of promises and the bridge still isn't built. Impressive.
Strongly disagree. Taxing [pensioners|renters|small businesses] harder is not the answer.
Let's be honest, this [budget|deal|fare rise] is a con on working people.
I voted for {P} and I regret it; {he} has done nothing for {TOWN}.
I'll believe the new [train timetable|bin schedule|school building] when I see it.
Funny how the consultation closed [the day|two days|a week] before the article was published. Total coincidence, I'm sure.
That's the most ridiculous argument I've read all week, and I've read the comments on {ORGS}'s page.
You clearly haven't been to {TOWN} in years. It's not like that any more.
Hard disagree. {ISSUE} won't be fixed by another task force.
Nice of {P} to turn up for the photo op. Where was {he} last winter?
Thanks to [the water company|the council|the energy company] for another {NUM}% on the bills. Really feeling the love.
Amazing how there's always money for consultants but never for {ISSUE}.
Ok, and? The article doesn't say {P} broke the law.
You've got it backwards. The cuts came first, then the crime went up in {TOWN}.
I'd rather pay more tax than watch [the NHS|our schools|social care|the railways|policing] fall apart, and I say that as a [pensioner|landlord|business owner].
The opposition would be no better. They voted for exactly the same thing in [2019|2021|2022].
Of course {P}'s mate got the contract. What a surprise. Nothing to see here.
Call it what it is: a tax rise dressed up as a '[levy|charge|contribution|fee]'.
I'm not defending {P}, but the article leaves out half the story.
The county commissioners blew the budget again. Vote them out in November.
I'm a lifelong [Democrat|Republican] and I think {P} is dead wrong on this.
This bill is a giveaway to developers, plain and simple. Call your representative.
Sure, another tax cut for the rich will fix the roads in {TOWN}. Sounds legit.
{H} nonsense. [Crime|Unemployment|Waiting times] in {TOWN} went up, not down. Check the figures.
I like {P} but {he}'s wrong on [the bypass|the new flats|the school closures] and I'll say so at the [meeting|hustings|ballot box].
Oh good, another [review|task force|summit] on {ISSUE}. That'll definitely fix it {E}
""",
    ),
    "death_illness_neutral": (
        "-",
        15,
        """
RIP, thoughts with {his} family[.| {EG}| at this awful time.]
Heartbreaking. Sending love to everyone in {TOWN} who knew {P}.
My [dad|mum|uncle|best friend] died of the same cancer. Please get checked early.
The death toll from the [floods|earthquake|fire] has risen to {NUM}. Awful news.
{NUM} soldiers were killed in the attack, according to the ministry.
Suicide rates among young men in {TOWN} are rising and services are underfunded. Samaritans are on 116 123.
The hospital said {P} died peacefully, surrounded by family.
My heart goes out to the {JOB}'s family. Nobody should die going to work.
Dementia took my [grandmother|grandad|mum]. This funding is long overdue.
Sad to hear {P} has passed away. {He} did a lot for {TOWN}.
The shelling continued overnight and {NUM} civilians were killed.
Condolences to the family. Drive safely everyone, [that road|{ROAD}|the bypass] is lethal in the wet.
Cancer research in {TOWN} saved my life. Donate if you can.
The article says the victim was stabbed twice. The trial continues on {DAY}.
War is hell. My [grandad|great-uncle] never talked about what he saw in [1944|Korea|the Falklands].
Get well soon {PL}, horrible injury[.| {EG}]
Lost my [brother|sister|best mate] to suicide last year. If you're struggling, please talk to someone.
Terrible news about the crash on {ROAD}. Hope the driver pulls through.
The hospice in {TOWN} looked after my [mum|dad|wife] so well at the end. Thank you.
Another overdose death in {TOWN}. We need proper treatment services, not more headlines.
The family say {P} was killed instantly. Small mercy, I suppose.
My thoughts are with the {JOB} who was attacked. Wishing a speedy recovery.
Stage four at [58|63|71|45] and still running marathons. What a legend {P} is.
The report says {NUM} people died waiting for ambulances in {TOWN} last winter. That should be the headline.
Rest easy {V}. {TOWN} won't forget what {he} did for the food bank.
The gunman was shot dead by police after the siege in {TOWN}, the article says. Awful for everyone involved.
My [son|daughter] was in the same ward. The nurses there are saints.
Executions in [Iran|Saudi Arabia|Texas] are rising, according to the report. Worth reading in full.
The inquest into the death on {ROAD} hears evidence on {DAY}.
The [bowel cancer symptoms in the article are worth knowing: blood in your poo|bladder cancer symptoms in the article are worth knowing: blood in your wee] is nothing to be embarrassed about[.|, see the GP.| and the GP in {TOWN} has seen it all before.]
[Dad|My husband|My mum] had a colonoscopy on {DAY} and it caught the polyps in time. Don't be squeamish, go.
Broke my [ankle|wrist|collarbone] slipping on the ice on {ROAD}. Six weeks in a cast. Grit the pavements, please.
[My husband's|My wife's|My dad's] [kidney|liver|heart] transplant came through [last month|on {DAY}]. Please sign the organ donor register.
[Stroke|Heart attack] symptoms in women are often different, [the article says|the nurse told us|the paramedic explained]. [Wish my mum had known.|Worth sharing with your sisters.|My aunt nearly missed hers.]
""",
    ),
    "quoting_article": (
        "-",
        15,
        """
The article says {P} was 'a danger to the public'. So why was {he} released?
The judge called {P} 'a violent and dangerous {man}'. Hard to argue with that.
According to the report, the {JOB} was 'threatened with a knife' on {ROAD}.
'We will fight this all the way', says {P}. Good.
The headline calls {P} a 'killer' but the article says the trial hasn't started. Which is it?
The prosecution said the defendant 'wanted [him|her] dead'. Chilling.
The piece quotes a neighbour in {TOWN} calling the family 'the nicest people you could meet'.
The coroner said the death of the {JOB} was 'entirely preventable'. Someone needs to answer for that.
{P} is quoted calling the figures 'a disgrace'. For once, agreed.
Paragraph [four|six|two]: '{ORGS} accepts it made serious mistakes'. Then why is nobody resigning?
The article says police in {TOWN} 'used reasonable force'. The video says otherwise.
'A brutal and senseless attack', said the detective in {TOWN}. Hope they get them.
Quote: '{P} described the protest as an attack on democracy'. Bit much, surely?
The report calls the hospital in {TOWN} 'a death trap'. That's the inspectors' words, not mine.
The minister said the policy would 'kill off' small businesses. Strong words from {his} own side.
'Nobody was seriously hurt', the fire service said about the blaze on {ROAD}. Thank goodness.
The journalist writes that {P} 'wept in the dock'. Doesn't change what happened.
Per the article, {NUM} people were 'injured in the crush'. Shocking organisation.
The court heard {V} told the victim '[I'll kill you|you're dead|I'll find you]'. Glad {he} was convicted.
The sentencing remarks describe the attack as 'sustained and savage'. {NUM} years seems light.
The inspectors called the prison 'squalid and violent'. [Ministers have|The Home Office has|The government has] known for years.
The piece says {P} called the report 'rubbish'. That's not an answer.
'He was a gentle giant', his [mum|sister|dad] told the paper. So sad. RIP.
The article quotes the trolls who abused {FP}. Did we need to see it again? Report and move on.
""",
    ),
    "identity_neutral": (
        "-",
        15,
        """
As a gay [man|dad|teacher] I think the article gets this exactly right.
{GAF} families in {UKTOWN} raised £{NUM},000 for the hospice. Brilliant[.| {EG}]
Immigrants staff our [hospitals|care homes|farms]. The article is spot on.
My neighbours are {GAF} and they're the first to help when anyone's ill.
As a disabled [woman|man|pensioner], I found the new ramps at the station a huge improvement.
The {GAF} community centre in {TOWN} is running free meals over Christmas.
I'm trans, and honestly the article [was fair and well researched|got most things right|was kinder than I expected].
Good to see more women [refereeing|commentating|coaching] at the top level.
{GF} have lived in {TOWN} for generations and are part of its history.
Our {GAF} [GP|dentist|consultant] was brilliant with my mum.
As a black [father|mother|teacher] in {TOWN} I worry about my son's safety, and I'm glad this is being discussed.
The [mosque|synagogue|church|gurdwara|temple] open day [in {TOWN}|] was lovely, the kids learned a lot.
As a Muslim [in {TOWN}|and a parent|and a {JOB}], I condemn this attack completely.
{GF} set up three businesses on our high street this year. Good for them.
Autistic people [should be consulted|should have a say|need asking] before the school changes anything.
The Pride march in {TOWN} was packed, great atmosphere[.| {EG}]
Deaf viewers need subtitles on the livestream from {ORGS}.
As an immigrant myself I'm grateful for the support I got in {TOWN}.
Jewish and Muslim leaders in {TOWN} issued a joint statement. Good to see.
Women's football has come on so much. {FP} was superb.
My wife is {GAF} and we've lived on {ROAD} for twenty years without a single problem.
The lesbian couple who run the café on {ROAD} are lovely and deserve the award.
My {GAF} colleague covered my shifts for a month when I was ill. Community at its best.
The refugee family placed in {TOWN} last year now run the best bakery in town.
Interesting piece on how {GF} in {TOWN} are treated by landlords. The data is damning.
As a wheelchair user I'd love to see [the council|city hall|the county board] fix the pavements before anything else.
Our {GAF} neighbours invited the whole street to their [summer|wedding|new year|garden] party. Lovely people.
{GAF} builders did our extension and they were faster and tidier than anyone local we tried.
As a Jewish mum in {TOWN}, thank you to everyone who came to the vigil.
Good piece. Lots of gay footballers still don't feel safe coming out, and that says more about the stands than them.
As a Mexican American from {USTOWN}, I'm proud of what this community has built.
Hispanic small businesses in {USTOWN} employ thousands of people. The article undersells it.
Native American history should be taught properly in our schools. Great piece.
My best mate is {GAF} and he's the reason I got through the last year.
The {GAF} food festival in {UKTOWN} was brilliant, best Saturday in ages.
We need [proper border control|secure borders|a controlled border] and [safe legal routes|legal ways to claim asylum|a working asylum system]. [Both things can be true.|The two aren't opposites.|Nobody serious argues otherwise.]
Stopping the small boats means going after the smugglers, not [punishing|demonising|blaming] the people in them[.|, as the article says.| who are often fleeing war.]
The [people smugglers|smuggling gangs|traffickers] making thousands a head from [Channel crossings|dinghy crossings|desert crossings] are the real criminals here[.|, not the passengers.| and should be prosecuted.]
Wanting [lower net migration|tighter border checks|asylum claims decided faster|an orderly border] doesn't make me racist. I just want a system that [works|is fair to everyone|the public trusts].
{TOWN} welcomed [Ukrainian|Afghan|Syrian|Hong Kong] refugees and most of them are working now. Credit to the volunteers.
The asylum hotels[ in {UKTOWN}|] cost the taxpayer [millions a day|a fortune]; process the claims faster and [the hotels|the bills|the rows] go away.
[Councils|Local councils] like {UKTOWN} are paying for asylum housing with no extra money from the Home Office. That's the real problem.
[Border states|Cities like {USTOWN}] say they're footing the bill for [shelters|buses|processing|asylum housing]; Congress should fund them properly instead of [arguing|grandstanding].
I'm [in favour of|all for|not against] immigration, but an asylum backlog [that size|of this size|running into years] is a [government failure|Home Office failure|failure of management].
[Returning|Deporting] failed asylum seekers is lawful policy; the question is whether it's done [humanely and quickly|fairly and fast|properly|with proper appeals].
My [grandparents|parents] came here as refugees [in 1972|from Uganda|from Hungary], and I still think the asylum system is broken. Both things are true.
The [Rwanda scheme|offshore processing plan|new removal policy] was expensive and didn't work. Spend the money on [caseworkers|faster decisions|border staff] instead.
Legal migration is far higher than the boats, [the article says|the figures show], and it mostly fills [care|NHS|farm|hospitality] jobs. [The debate should start there.|Worth remembering.]
Immigration should be debated calmly; nobody in {TOWN} should be shouted down for raising it, or for defending migrants either.
Our town took in [forty|sixty|a hundred|two hundred] asylum seekers at the [hotel|old barracks|old college] and none of the predicted trouble happened.
""",
    ),
    "harsh_but_fair_commenter": (
        "-",
        15,
        """
I think you've misread the article, [mate|friend|pal]. It says the opposite.
You're entitled to your opinion, {H}, but the facts don't back you up.
Respectfully, you're wrong, and the [ONS|council|court] figures show it.
Have you actually been to {TOWN}? Because that's not what it's like at all.
I used to think like you until my [mum|dad|brother] needed a carer. It changes things.
Your comment is exactly why this debate about {ISSUE} goes nowhere. Nobody listens.
Rubbish take, but I'll give you credit for reading the whole article.
We'll have to agree to disagree. I think {P} got this one right.
Not sure where you get that from, {H}. Source?
That's a bit rich coming from someone who defended {P} last week.
Calm down, it's a [planning application|bin rota|parking review], not the end of the world.
You've clearly never worked as a {JOB}, or you wouldn't say that.
Stop moving the goalposts. First it was the [cost|traffic|noise], now it's the location.
I reported nothing, I just disagreed with you. That's what comments are for.
{H} you've got the numbers wrong. The article says {NUM}%, not half.
{H} I agree with you on the bins, but the bus lane is a separate issue.
{H} that's simply not true. I was at the meeting and the vote was unanimous.
Sorry {H}, but the judge was right. Read the sentencing remarks.
{H} we'll never agree on this, but thanks for keeping it civil.
{H} you keep saying that, but you never give a source.
With respect {H}, you don't live in {TOWN}, so you don't see the queues.
{H} this is the third time you've posted the same link. It doesn't say what you think it says.
Strong words, {H}. I see it differently, but I take the point about the cost.
Ha, {H}, you'd say that about anything {P} does. Still, fair point about the funding.
{H} have you read past the headline? The [article|report|judge] says the opposite.
{H} I [used to agree with you|voted the same way as you] but the last five years changed my mind.
Fair enough {H}, but you can't blame [the council|the ref|the union] for everything.
""",
    ),
    "sexual_topic_neutral": (
        "-",
        15,
        """
The sexual assault trial at {UKTOWN} Crown Court has been adjourned until {DAY}.
Breast cancer screening in {TOWN} is [months|weeks|a year] behind. My sister's appointment was cancelled twice.
Our [daughter's|son's] school is teaching consent in year nine, and about time too.
[Cervical|Breast|Bowel] screening saved my life. Book it, however awkward it feels.
The council refused the strip club licence on {ROAD} after {NUM} objections.
Breastfeeding mums need somewhere to sit at the new {TOWN} station. Nobody thought of it.
Sex education [in schools|in {TOWN}|at my kids' school] isn't the problem. Kids learning it from their phones is.
The article on the rise in sexually transmitted infections among over-50s is eye-opening.
The {JOB} was struck off for sexual misconduct, the tribunal found. Right decision.
Prostate cancer killed my [dad|uncle|grandad]. Men, please get the blood test.
Good piece on menopause at work. My [wife|sister|mum] went through hell with no support.
The report says {NUM} women were sexually harassed on the night bus last year. Where are the guards?
The film's sex scenes were cut for the TV version, which seems a bit prudish in this day and age.
The vasectomy waiting list in {TOWN} is now {NUM} months, according to the article.
Naked bike ride through {TOWN} on {DAY} for charity. Brave souls in this weather!
Teaching kids the proper names for their body parts keeps them safer. The NSPCC says so.
The article about the rape conviction rate is shocking. Hardly any reports end in a charge.
[Lads|Fellas|Boys], check your balls [once a month|in the shower|regularly]. Testicular cancer is [very treatable|one of the most curable cancers] if it's caught early.
[My brother|My mate|My son|Our lad] found a lump on his testicle at [22|27|31|19]; he's fine because he went to the GP straight away. Check yourselves, boys.
Good to see {PL} talking about his testicular cancer. Getting young men to check themselves could save lives.
[Women|Ladies], check your breasts [every month|regularly|in the shower]; [my mum|my aunt|my friend] found her lump that way[.| and she's fine now.]
Had my prostate examined [last week|on {DAY}]. [Five minutes of awkward|Slightly undignified], then peace of mind. Men, just book it.
The [nurse|GP|practice nurse] in {TOWN} was brilliant talking my daughter through her first smear test.
Erectile problems can be an early sign of [heart disease|diabetes], [the article says|my GP told me]. Worth [men knowing|passing on to your dad|mentioning to your doctor].
Pelvic floor [physio|classes] after giving birth should be standard[ in {TOWN}|]. [Half my antenatal group|Every mum I know|My sister] still [has problems|struggles] years later.
The [breastfeeding support group|bra fitting clinic for mastectomy patients|menopause café] at the {TOWN} [hospital|library] meets on {DAY}.
""",
    ),
    "mental_health_support": (
        "-",
        15,
        """
My son self-harmed at [fourteen|fifteen|sixteen]; the mental health waiting list in {TOWN} was {NUM} months.
Talking about suicide openly saves lives. Thank you for printing the helpline numbers[.|, it matters.]
The Samaritans signs on the bridge on {ROAD} need putting back up. They matter.
If anyone reading this is in a dark place, please call someone[.| tonight.|, a friend or the Samaritans.] It does get better.
I tried to end my life in [2015|2018|2020]. Getting help was the best thing I ever did.
The coroner said the [student|teenager|young dad] had asked for help three times. That's the scandal here.
Men in {TOWN} don't talk about how they feel. My dad didn't, and we lost him.
Good to see {PL} speaking out about depression. It will help a lot of young fans.
The crisis team in {TOWN} closes at 5pm. Suicidal people don't keep office hours.
Please don't share the method in the comments, it's dangerous. The guidelines are there for a reason.
My [friend|cousin|flatmate] was told to 'just cheer up' by a GP. We need better training.
Lost [two|three] friends to suicide before we were [thirty|twenty-five]. Check on your mates.
The anti-bullying charity in {TOWN} says online abuse is the main thing kids call about now.
Really brave of {P} to talk about {his} breakdown. Wishing {him} well.
If someone tells you to kill yourself online, report it and talk to someone. You matter.
""",
    ),
}

# Neutral sentences that wrap some rows into longer comments; two disjoint pools so validation
# rows are not padded with sentences the model saw in training.
PADDING_TRAIN = [
    "I've lived round here for twenty years.",
    "Read the whole article before commenting.",
    "The comments on here are something else.",
    "Interesting piece.",
    "Not the first time this has happened.",
    "My brother works in the same trade.",
    "Saw this on the radio this morning.",
    "Parking round there is a nightmare anyway.",
    "Thanks to the reporter for following this up.",
    "The photo is from last year, by the way.",
    "Prices have gone up again too.",
    "Same story every year.",
    "We had a letter about it last month.",
    "It was all over the local Facebook group.",
    "I went to the meeting on Tuesday.",
    "This has been going on since before the pandemic.",
    "The bus was late again today as well.",
    "Half the shops on the high street are empty now.",
    "My kids went to the school mentioned.",
    "Nobody seems to know who's in charge.",
]
PADDING_VALIDATION = [
    "I drive past there every morning.",
    "Been saying this for years.",
    "The article missed out half the story.",
    "Anyway, rant over.",
    "My neighbour sent me the link.",
    "We were there on Saturday, it was packed.",
    "The weather hasn't helped either.",
    "I remember when this was all fields.",
    "Worth reading to the end.",
    "First time commenting on here.",
]

# --- obfuscation ------------------------------------------------------------------------
# Abusive words a reader might disguise; the first one found in a positive row is rewritten.
TRIGGERS = re.compile(
    r"\b(idiot|moron|stupid|kill|die|dies|dead|scum\w*|vermin|parasites|cockroaches|animals|"
    r"fucking|fuck|shit\w*|prick|twat|wanker|tosser|bitch|kys|cancer|bullet|shoot|stab|burn|"
    r"hang|rats|subhuman|loser|clown|thick|pathetic|arse|arsehole|asshole|dickhead|bastard|"
    r"cretin|muppet|imbecile|halfwit|brainless|useless|plague|filthy|disease|tits|bang|"
    r"freak|smash|torch|bleach|monkey|kicking|beaten|firebomb|petrol|suffer|agony|rots|"
    r"perverts|freaks|jungle|gorilla|zoo|gagging|dipshit|bellend|knobhead|shithead|jackass|"
    r"liar|ugly|fat|lazy|snowflake|losers|hack|troll|bollocks|piss|terrorists|thief|"
    r"fraudster|scrounger|groomers|rapists|deport|invasion|neck|strangle|hate|dumb|sex\w*|"
    r"bikini|lap dance|knees|whore|slag|scroungers|inbred)\b",
    re.IGNORECASE,
)
LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7", "l": "1"}
CYRILLIC = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "i": "і"}


def _leet(word: str, rng: random.Random) -> str:
    out = "".join(LEET.get(c.lower(), c) if rng.random() < 0.7 else c for c in word)
    if out == word:
        out = "".join(LEET.get(c.lower(), c) for c in word)
    return out if out != word else _dotted(word, rng)


def _spaced(word: str, rng: random.Random) -> str:
    return " ".join(word)


def _dotted(word: str, rng: random.Random) -> str:
    return rng.choice([".", "-", "_"]).join(word)


def _asterisk(word: str, rng: random.Random) -> str:
    if len(word) <= 3:
        return word[0] + "*" * (len(word) - 1)
    if rng.random() < 0.5:
        return word[0] + "*" * (len(word) - 2) + word[-1]
    vowels = [i for i, c in enumerate(word) if c.lower() in "aeiou" and 0 < i < len(word) - 1]
    i = rng.choice(vowels) if vowels else 1
    return word[:i] + "*" + word[i + 1 :]


def _repeated(word: str, rng: random.Random) -> str:
    vowels = [i for i, c in enumerate(word) if c.lower() in "aeiouy"] or [len(word) - 1]
    i = rng.choice(vowels)
    return word[:i] + word[i] * rng.randint(3, 6) + word[i + 1 :]


def _fullwidth(word: str, rng: random.Random) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in word)


def _maths_bold(word: str, rng: random.Random) -> str:
    def bold(c: str) -> str:
        if "a" <= c <= "z":
            return chr(0x1D41A + ord(c) - ord("a"))
        if "A" <= c <= "Z":
            return chr(0x1D400 + ord(c) - ord("A"))
        return c

    return "".join(bold(c) for c in word)


def _cyrillic(word: str, rng: random.Random) -> str:
    out = "".join(CYRILLIC.get(c, c) for c in word)
    return out if out != word else _asterisk(word, rng)


OBFUSCATIONS = [_leet, _spaced, _dotted, _asterisk, _repeated, _fullwidth, _maths_bold, _cyrillic]


def obfuscate(text: str, rng: random.Random) -> str | None:
    """Disguise the first trigger word; None when the row has none."""
    match = TRIGGERS.search(text)
    if match is None:
        return None
    word = match.group(0)
    disguised = rng.choice(OBFUSCATIONS)(word, rng)
    return text[: match.start()] + disguised + text[match.end() :]


# --- filling frames ---------------------------------------------------------------------

PRONOUNS = {
    "m": {"he": "he", "him": "him", "his": "his", "himself": "himself", "man": "man"},
    "f": {"he": "she", "him": "her", "his": "her", "himself": "herself", "man": "woman"},
}
WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
# "a idiot" -> "an idiot", but not "an useless".
A_BEFORE_VOWEL = re.compile(r"\b([Aa]) (?![Uu]se)([aeiouAEIOU])")
SLOT = re.compile(r"\{(\w+)\}")
CHOICE = re.compile(r"\[([^\[\]]*)\]")


@dataclass(frozen=True)
class Frame:
    frame_id: str
    kind: str
    labels: dict[str, int]
    template: str
    rows: int


def parse_flags(flags: str) -> dict[str, int]:
    labels = dict.fromkeys(LABELS, 0)
    if flags == "-":
        return labels
    for flag in flags:
        labels[FLAG_LABELS[flag]] = 1
    labels["toxicity"] = 1
    return labels


def parse_blocks(blocks: dict[str, tuple[str, int, str]]) -> list[Frame]:
    frames = []
    for kind, (default_flags, rows, text) in blocks.items():
        lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
        for number, line in enumerate(lines):
            flags, template = (
                [part.strip() for part in line.split("::", 1)]
                if "::" in line
                else (default_flags, line)
            )
            frames.append(Frame(f"{kind}-{number:02d}", kind, parse_flags(flags), template, rows))
    return frames


def _person(rng: random.Random, slot: str) -> tuple[str, str]:
    """A (reference, gender) pair for a person slot."""
    if slot == "F":
        return rng.choice(
            FEMALE_NAMES + JOURNALISTS_F[4:] + ["the minister", "the mayor", "the MP"]
        ), "f"
    if slot == "M":
        return rng.choice([*MALE_NAMES, "the minister", "the mayor", "the MP"]), "m"
    if slot == "J":
        gender = "f" if rng.random() < 0.6 else "m"
        return rng.choice(JOURNALISTS_F if gender == "f" else JOURNALISTS_M), gender
    if slot == "V":  # someone addressed by name: "Shut up, Harrow."
        gender = rng.choice("mf")
        return rng.choice(MALE_NAMES if gender == "m" else FEMALE_NAMES), gender
    if slot == "FV":
        return rng.choice(FEMALE_NAMES + JOURNALISTS_F[4:]), "f"
    if slot == "PL":
        return rng.choice(PLAYERS_M), "m"
    if slot == "BP":
        return rng.choice(BLACK_PLAYERS), "m"
    if slot == "FP":
        return rng.choice(FEMALE_ATHLETES), "f"
    roll = rng.random()
    if roll < 0.4:
        return rng.choice(ROLES), rng.choice("mf")
    if roll < 0.75:
        return rng.choice(MALE_NAMES), "m"
    return rng.choice(FEMALE_NAMES), "f"


PERSON_SLOTS = ("P", "V", "J", "PL", "BP", "FP", "F", "FV", "M")


def fill(template: str, rng: random.Random) -> tuple[str, set[str]]:
    """The filled text and the names of the slots that ended up in it."""
    text = CHOICE.sub(lambda m: rng.choice(m.group(1).split("|")), template)
    names = SLOT.findall(text)
    people = {name: _person(rng, name) for name in names if name in PERSON_SLOTS}
    # Pronouns follow the first person named in the frame.
    first = next((people[n] for n in names if n in people), ("", rng.choice("mf")))
    pronouns = PRONOUNS[first[1]]
    ethnic = rng.choice(GROUPS_ETHNIC)
    group = (
        rng.choice(GROUPS_ETHNIC + GROUPS_OTHER) if rng.random() < 0.8 else rng.choice(GROUPS_OTHER)
    )
    # "My neighbours are {GAF}" and "Of course {P} is {GOA}" need adjectives that read as one.
    described = [g for g in GROUPS_ETHNIC + GROUPS_OTHER if g[1] not in NOT_PREDICATIVE]
    friendly = rng.choice([g for g in GROUPS_ETHNIC if g[1] not in NOT_PREDICATIVE])
    values = {
        "G": group[0],
        "GE": ethnic[0],
        "GA": ethnic[1],
        "GOA": rng.choice(described)[1],
        "GF": friendly[0],
        "GAF": friendly[1],
        "TOWN": rng.choice(TOWNS),
        "UKTOWN": rng.choice(UK_TOWNS),
        "USTOWN": rng.choice(US_TOWNS),
        "ORGS": rng.choice(ORGS),
        "JOB": rng.choice(JOBS),
        "DAY": rng.choice(DAYS),
        "SCORE": rng.choice(SCORES),
        "NUM": rng.choice(NUMBERS),
        "IN": rng.choice(INSULTS),
        "OIN": rng.choice(OBSCENE_INSULTS),
        "ADJ": rng.choice(INSULT_ADJS),
        "E": rng.choice(MOCK_EMOJI),
        "EG": rng.choice(GOOD_EMOJI),
        "RP": rng.choice(RUDE_SUBSTRING_NAMES),
        "ROAD": rng.choice(ROADS),
        "H": rng.choice(HANDLES),
        "ISSUE": rng.choice(ISSUES),
    }
    teams = rng.sample(TEAMS, 2)
    values["T"], values["T2"] = teams
    for name, word in pronouns.items():
        values[name] = word
        values[name.capitalize()] = word.capitalize()
    for name, (reference, _gender) in people.items():
        values[name] = reference
    out: list[str] = []
    position = 0
    for match in SLOT.finditer(text):
        out.append(text[position : match.start()])
        value = values[match.group(1)]
        so_far = "".join(out).rstrip()
        if not so_far or so_far[-1] in ".!?:":
            value = value[:1].upper() + value[1:]
        out.append(value)
        position = match.end()
    out.append(text[position:])
    return A_BEFORE_VOWEL.sub(r"\1n \2", "".join(out)), set(SLOT.findall(text))


# Not after a final s ("Collins's"), where dropping it leaves "Collinss".
CONTRACTION_APOSTROPHE = re.compile(r"(?<=[A-Za-z])(?<![sS])'(?=(?:t|m|s|re|ve|ll|d)\b)")
TEXTSPEAK = {"you": "u", "your": "ur", "You": "U", "Your": "Ur"}


def texting(text: str, rng: random.Random) -> str:
    """Readers typing fast: "dont", "im", and sometimes "u"/"ur"."""
    text = CONTRACTION_APOSTROPHE.sub("", text)
    if rng.random() < 0.4:
        text = re.sub(r"\b(you|your|You|Your)\b", lambda m: TEXTSPEAK[m.group(1)], text)
    return text


def restyle(text: str, rng: random.Random) -> str:
    """Give the row the surface of a real reader comment: case and punctuation vary."""
    if rng.random() < 0.10:
        text = texting(text, rng)
    roll = rng.random()
    if roll < 0.14:
        return text.lower()
    if roll < 0.22:
        return text.lower().rstrip(".")
    if roll < 0.27:
        return text.rstrip(".") + rng.choice(["!!", "!!!", "...", " !", "?!"])
    if roll < 0.30 and len(text.split()) <= 12:
        return text.upper()
    if roll < 0.34:
        return text.replace(". ", ".  ", 1).replace(", ", ",", 1)
    return text


def norm(text: str) -> str:
    return " ".join(text.casefold().split())


def core_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.casefold()).strip()


def lengthen(text: str, padding: list[str], rng: random.Random) -> str:
    """Wrap a row in 2-4 neutral sentences; the labelled sentence stays the only abusive one."""
    extra = rng.sample(padding, rng.randint(2, 4))
    cut = rng.randint(0, len(extra))
    body = text if text.rstrip()[-1:] in ".!?" else text + "."
    return " ".join([*extra[:cut], body, *extra[cut:]])


def assign_splits(frames: list[Frame], rows_per_frame: dict[str, int]) -> dict[str, str]:
    """Per kind, whole frames go to validation until they hold about 15 % of the kind's rows.

    Frames are ranked by a draw seeded with their own id, so adding a frame moves at most the
    frames at the boundary instead of reshuffling the whole kind. Counting rows rather than
    frames keeps the share even where some frames have few alternatives.
    """
    splits: dict[str, str] = {}
    kinds = sorted({f.kind for f in frames})
    for kind in kinds:
        ids = sorted(
            (f.frame_id for f in frames if f.kind == kind),
            key=lambda frame_id: random.Random(f"{SEED}:split:{frame_id}").random(),
        )
        target = VALIDATION_SHARE * sum(rows_per_frame[i] for i in ids)
        held_out = 0
        for frame_id in ids:
            # Always at least one frame; stop before a frame that overshoots by more than half.
            if held_out == 0 or held_out + rows_per_frame[frame_id] / 2 <= target:
                splits[frame_id] = "validation"
                held_out += rows_per_frame[frame_id]
            else:
                splits[frame_id] = "train"
    return splits


def slot_labels(frame: Frame, slots: set[str]) -> dict[str, int]:
    """The frame's labels, plus insult (and obscene) where an insult slot was filled."""
    labels = dict(frame.labels)
    if labels["toxicity"] and slots & {"IN", "OIN"}:
        labels["insult"] = 1
    if labels["toxicity"] and "OIN" in slots:
        labels["obscene"] = 1
    return labels


def count_words(text: str) -> int:
    return len(WORD.findall(text))


def check_row(row: dict, frame: Frame) -> None:
    words = count_words(row["text"])
    if not MIN_WORDS <= words <= MAX_WORDS:
        raise ValueError(f"{frame.frame_id}: {words} words: {row['text']!r}")
    labels = row["labels"]
    unflagged = not labels["obscene"] and row["kind"] != "evasion"
    if labels["toxicity"] and unflagged and OBSCENE_WORDS.search(row["text"]):
        raise ValueError(f"{frame.frame_id}: obscene word without obscene label: {row['text']!r}")


def build_rows() -> list[dict]:
    frames = parse_blocks(POSITIVE_BLOCKS) + parse_blocks(NEGATIVE_BLOCKS)
    # A first pass counts each frame's rows (the split only changes the padding, not the count).
    draft = generate(frames, dict.fromkeys((f.frame_id for f in frames), "train"))
    rows_per_frame = {f.frame_id: 0 for f in frames}
    for _row, frame_id in draft:
        rows_per_frame[frame_id] += 1
    return [row for row, _frame_id in generate(frames, assign_splits(frames, rows_per_frame))]


def generate(frames: list[Frame], splits: dict[str, str]) -> list[tuple[dict, str]]:
    """Rows of every frame, each paired with the id of the frame that made it."""
    seen: set[str] = set()
    seen_cores: set[str] = set()
    rows: list[tuple[dict, str]] = []
    for frame in frames:
        # One generator per frame, so editing a frame changes only that frame's rows.
        rng = random.Random(f"{SEED}:{frame.frame_id}")
        split = splits[frame.frame_id]
        padding = PADDING_VALIDATION if split == "validation" else PADDING_TRAIN
        made = misses = 0
        # A frame is exhausted once many draws in a row repeat wording it already gave.
        while made < frame.rows and misses < MAX_MISSES:
            text, slots = fill(frame.template, rng)
            # Rows must differ in wording, not only in case, punctuation or padding.
            core = core_key(text)
            if core in seen_cores:
                misses += 1
                continue
            misses = 0
            kind = frame.kind
            # Disguise only the frame's own words, never the neutral padding around them.
            if frame.labels["toxicity"] and rng.random() < EVASION_SHARE:
                disguised = obfuscate(text, rng)
                if disguised is not None:
                    text, kind = disguised, "evasion"
            if rng.random() < LONG_SHARE:
                text = lengthen(text, padding, rng)
            text = restyle(text, rng)
            if norm(text) in seen:
                continue
            row = {"text": text, "labels": slot_labels(frame, slots), "kind": kind, "split": split}
            check_row(row, frame)
            seen.add(norm(text))
            seen_cores.add(core)
            rows.append((row, frame.frame_id))
            made += 1
    return rows


FAMILY_FILES = {
    "threats.jsonl": ("threat", "incitement"),
    "death_wishes_self_harm.jsonl": ("death_wish", "self_harm"),
    "identity.jsonl": ("identity_attack", "coded_abuse"),
    "sexual_harassment.jsonl": ("sexual_harassment",),
    "insults.jsonl": ("insult", "obscene_abuse"),
    "evasions.jsonl": ("evasion",),
    "hard_negatives.jsonl": tuple(NEGATIVE_BLOCKS),
}


def write(rows: list[dict], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, kinds in FAMILY_FILES.items():
        lines = [json.dumps(r, ensure_ascii=False) for r in rows if r["kind"] in kinds]
        (out_dir / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def stats_tables(rows: list[dict]) -> str:
    """Markdown tables of rows per kind and per label, for the README."""
    kinds = sorted({r["kind"] for r in rows})
    lines = ["| kind | rows | validation | toxic |", "|---|---:|---:|---:|"]
    for kind in kinds:
        of_kind = [r for r in rows if r["kind"] == kind]
        val = sum(r["split"] == "validation" for r in of_kind)
        toxic = sum(r["labels"]["toxicity"] for r in of_kind)
        lines.append(f"| `{kind}` | {len(of_kind)} | {val} | {toxic} |")
    lines += ["", "| label | positive rows | train | validation |", "|---|---:|---:|---:|"]
    for label in LABELS:
        pos = [r for r in rows if r["labels"][label]]
        val = sum(r["split"] == "validation" for r in pos)
        lines.append(f"| {label} | {len(pos)} | {len(pos) - val} | {val} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    parser.add_argument("--stats", action="store_true", help="print the README's count tables")
    args = parser.parse_args()
    rows = build_rows()
    if args.stats:
        print(stats_tables(rows))
        return
    write(rows, args.out)
    positives = sum(r["labels"]["toxicity"] for r in rows)
    print(f"{len(rows)} rows, {positives} positive, {len(rows) - positives} negative")


if __name__ == "__main__":
    main()
