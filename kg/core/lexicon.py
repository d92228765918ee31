"""The word lists of the domain, in one place: document types, their qualifiers,
classifications, honorifics and ranks, posts, the words that make a phrase a body, and name
particles.

Every stage reads its words from here (title grammar, role splitter, resolver, spaCy
components), so a word added once is known everywhere. The lists hold words of the archive's
catalogue language, never titles or names of particular documents.
"""

from __future__ import annotations

import re

# -- document types ------------------------------------------------------------------------
# The head of a title's type phrase. The list is open: the title grammar also accepts an
# unknown head in a type position ("Telephonogram from A to B"), and the graph makes a new
# concept of it. Plurals are found by the grammar itself.
DOC_TYPES: tuple[str, ...] = (
    "Memorandum of Conversation", "Exchange of Notes", "Exchange of Letters",
    "Exchange of Messages", "Exchange of Telegrams", "Talking Points", "Aide-Memoire",
    "Aide-Mémoire", "Telephone Conversation", "Cablegram", "Telegram", "Telephonogram",
    "Cryptogram", "Radiogram", "Airgram", "Cable", "Telex", "Letter", "Memorandum", "Memo",
    "Note", "Notes", "Protocol", "Decision", "Resolution", "Directive", "Instructions",
    "Instruction", "Order", "Decree", "Report", "Minutes", "Transcript", "Speech", "Statement",
    "Declaration", "Communique", "Communiqué", "Agreement", "Treaty", "Message", "Appeal",
    "Draft", "Diary", "Journal", "Information", "Record", "Summary", "Conversation",
    "Discussion", "Talk", "Interview", "Address", "Proposal", "Remarks", "Briefing", "Study",
    "Analysis", "Assessment", "Estimate", "Bulletin", "Digest", "Review", "Announcement",
    "Circular", "Dispatch", "Despatch", "Editorial", "Article", "Notification", "Request",
    "Reply", "Response", "Petition", "Testimony", "Memoir", "Memoirs", "Recollections",
    "Chronology", "Biography", "Questionnaire", "Inventory", "Outline", "Plan", "Program",
    "Programme", "Proclamation", "Manifesto", "Evaluation", "Findings", "Session", "Account",
    "Comment", "Commentary", "Guidelines", "Theses", "Overview", "Survey", "Certificate",
    "Characterization", "Reference", "Explanation", "Hearing", "Lecture", "Toast",
    "Communication", "Notice", "Warning", "Ultimatum", "Leaflet", "Pamphlet", "Brochure",
    "Minute", "Meeting",
)
# Irregular plurals the catalogue uses ("Memoranda").
TYPE_PLURALS: dict[str, str] = {"memoranda": "Memorandum", "memos": "Memo", "theses": "Theses"}
# Words that qualify a type inside the type phrase ("Ciphered Telegram", "Memo Report",
# "Current Intelligence Review"): kept in the type as written.
TYPE_MODIFIERS: frozenset[str] = frozenset({
    "ciphered", "cipher", "deciphered", "coded", "decoded", "encoded", "handwritten", "typed",
    "stenographic", "verbatim", "draft", "joint", "action", "memo", "telephone", "telegraphic",
    "daily", "weekly", "monthly", "annual", "information", "intelligence", "current",
    "national", "special", "supplementary", "additional", "final", "preliminary", "brief",
    "short", "personal", "official", "unofficial", "oral", "verbal", "written", "circular",
    "internal", "political", "situation", "briefing", "background", "progress", "status",
    "summary", "top-level", "untitled", "private", "public", "open", "secret-service",
})
# A type whose object is a conversation is a record of one ("Memorandum of a Conversation").
CONVERSATION_WORDS: tuple[str, ...] = ("conversation", "conversations", "talk", "talks",
                                       "meeting", "meetings", "negotiations", "discussion",
                                       "discussions")
# What a document records, by the head of its type.
EVENT_OF_TYPE: dict[str, str] = {
    "conversation": "conversation", "conversations": "conversation", "meeting": "conversation",
    "talk": "conversation", "talks": "conversation", "interview": "conversation",
    "discussion": "conversation", "discussions": "conversation", "session": "conversation",
    "negotiations": "conversation", "protocol": "signing", "agreement": "signing",
    "treaty": "signing", "exchange": "signing", "decision": "decision",
    "resolution": "decision", "directive": "decision", "decree": "decision", "order": "decision",
}
# Spoken genres: "to" names the audience, not a recipient.
SPOKEN_TYPES: frozenset[str] = frozenset({"speech", "address", "lecture", "toast", "remarks",
                                          "speeches", "addresses", "lectures", "toasts"})
# Words that qualify a whole document rather than its type: an excerpt of a report is a report.
EXCERPT_WORDS: tuple[str, ...] = ("excerpts", "excerpt", "extracts", "extract", "fragments",
                                  "fragment", "selections", "copy", "translation")

# Qualifiers that say what state a document is in, not what kind it is: a draft letter is a
# letter, an excerpt of a diary a diary.
STATE_QUALIFIERS: frozenset[str] = frozenset({
    "draft", "excerpt", "excerpts", "extract", "extracts", "fragment", "fragments", "copy",
    "translation", "handwritten", "typed", "unofficial", "untitled", "final", "preliminary",
})

CLASSIFICATIONS: tuple[str, ...] = (
    "Top Secret", "Strictly Secret", "Strictly Confidential", "Secret", "Confidential",
    "Restricted", "Eyes Only", "For Official Use Only", "Special Importance",
    "Of Special Importance", "Urgent", "Very Urgent", "Immediate", "Priority", "Flash",
)

# -- people ------------------------------------------------------------------------------
# Forms of address and honorifics: written before a name, never part of it.
HONORIFICS: tuple[str, ...] = (
    "Comrades", "Comrade", "Cdes.", "Cdes", "Cde.", "Cde", "Com.", "Tov.", "Tovarishch",
    "Mr.", "Mr", "Mrs.", "Mrs", "Ms.", "Ms", "Messrs.", "Messrs", "Dr.", "Dr", "Prof.", "Prof",
    "Sir", "Herr", "Frau", "Monsieur", "Madame", "Mme.", "Mme", "Senor", "Señor", "Don",
    "His Excellency", "Her Excellency", "H.E.", "Honorable", "Hon.", "Lic.", "Lic",
)
# What the resolver strips before a name it is asked about ("the Chairman Mao", "Comrade X").
NAME_PREFIX_WORDS: tuple[str, ...] = (
    "comrades", "comrade", "mr", "mrs", "ms", "dr", "messrs", "sir", "herr", "monsieur",
    "madame", "tovarishch", "chairman", "premier", "president", "marshal", "general",
    "ambassador", "minister", "secretary", "prime minister", "foreign minister", "vice premier",
)
# Words that open a form of address ("President Ho", "Uncle Ho"), never a family name.
ADDRESS_WORDS: frozenset[str] = frozenset({
    "president", "chairman", "uncle", "comrade", "general", "marshal", "premier", "prime",
    "minister", "king", "emperor", "sir", "mr", "mrs", "dr", "pope", "ayatollah", "shah",
    "prince", "princess", "queen", "lord", "lady", "generalissimo", "admiral", "colonel",
    "secretary", "ambassador", "chancellor", "field", "vice", "madame", "saint", "st", "the",
})

# Military and other ranks: not posts (the gold convention), but not names either.
RANKS: tuple[str, ...] = (
    "General-Colonel", "Colonel-General", "General-Lieutenant", "Lieutenant-General",
    "General-Major", "Major-General", "Lt. General", "Lt. Gen.", "Lt.-General",
    "Lieutenant General", "Major General", "Brigadier General", "General of the Army",
    "Generalissimo", "Field Marshal", "Marshal", "General", "Gen.", "Admiral", "Adm.",
    "Vice-Admiral", "Vice Admiral", "Rear Admiral", "Colonel", "Col.", "Lieutenant Colonel",
    "Lt. Col.", "Major", "Captain", "Capt.", "Lieutenant", "Lt.", "Commissar", "Prince",
    "Princess", "King", "Queen", "Emperor", "Shah", "Ayatollah", "Sheikh", "Patriarch", "Pope",
    "Cardinal", "Archbishop", "Bishop", "Father", "Reverend", "Rev.", "Uncle",
)

# Posts, longest first; the value is the head word roles are compared by.
ROLE_HEADS: dict[str, str] = {
    "prime minister": "premier", "pm": "premier", "vice premier": "premier",
    "deputy premier": "premier", "premier": "premier",
    "foreign minister": "minister", "minister of foreign affairs": "minister",
    "deputy foreign minister": "minister", "deputy minister": "minister",
    "defense minister": "minister", "defence minister": "minister",
    "interior minister": "minister", "minister": "minister",
    "ambassador extraordinary and plenipotentiary": "ambassador", "ambassador": "ambassador",
    "charge d'affaires": "charge d'affaires", "chargé d'affaires": "charge d'affaires",
    "charge d’affaires": "charge d'affaires", "chargé d’affaires": "charge d'affaires",
    "chargé": "charge d'affaires", "charge": "charge d'affaires",
    "consul general": "consul", "consul": "consul", "envoy": "envoy",
    "general secretary": "secretary", "first secretary": "secretary",
    "secretary general": "secretary", "secretary of state": "secretary",
    "principal secretary": "secretary", "secretary": "secretary",
    "vice chairman": "chairman", "chairman": "chairman", "chairwoman": "chairman",
    "vice president": "president", "vice-president": "president", "president": "president",
    "chief of staff": "chief", "chief of the general staff": "chief", "chef de cabinet": "chief",
    "chief": "chief", "head": "chief", "director": "chief",
    "commander-in-chief": "commander", "commander in chief": "commander",
    "commander": "commander", "military attache": "attache", "military attaché": "attache",
    "attache": "attache", "attaché": "attache", "counsellor": "counsellor",
    "counselor": "counsellor", "representative": "representative", "adviser": "adviser",
    "advisor": "adviser", "chancellor": "chancellor", "leader": "leader",
    "commissioner": "commissioner", "governor": "governor", "senator": "senator",
    "congressman": "congressman", "congresswoman": "congressman", "deputy": "deputy",
    "official": "official", "spokesman": "spokesman", "delegate": "delegate",
    "member": "member",
}
# Words that may stand before a post's head ("Deputy Foreign Minister", "First Secretary").
ROLE_PREFIXES: tuple[str, ...] = ("deputy", "vice", "first", "second", "third", "1st", "2nd",
                                  "3rd", "acting", "chief", "senior", "permanent", "former",
                                  "new", "assistant", "executive", "general", "principal")

# -- bodies ------------------------------------------------------------------------------
# A phrase holding one of these words names a body, not a person.
ORG_WORDS: tuple[str, ...] = (
    "Politburo", "Politboro", "Presidium", "Committee", "CC", "Ministry", "Ministries",
    "Council", "Bureau", "Division", "Department", "Directorate", "Government", "Embassy",
    "Embassies", "Consulate", "Legation", "Party", "Secretariat", "Office", "Command",
    "Headquarters", "Administration", "Commission", "Assembly", "Congress", "Agency", "Army",
    "Navy", "Front", "League", "Union", "Organization", "Organisation", "Institute",
    "Association", "Federation", "Delegation", "Delegations", "Mission", "Inspectorate",
    "Service", "Services", "Group", "Center", "Centre", "Chiefs", "Staff", "Parliament",
    "Senate", "Cabinet", "Leadership", "Radio", "Agency", "Station", "Society", "Plenum",
    "Academy", "Court", "Bank", "Company", "Corporation", "Trust", "Board", "Section",
    "Parties", "Committees", "Councils", "Departments", "Offices", "Bureaus", "Branches",
    "Agencies", "Organizations", "Organisations", "Movements", "Countries", "Governments",
)
# Adjectives of bodies' names: never part of a personal name ("Foreign Communist Parties").
ORG_ADJECTIVES: frozenset[str] = frozenset({
    "Communist", "Socialist", "Workers", "Workers'", "Democratic", "People's", "People’s",
    "Popular", "National", "Revolutionary", "Central", "Foreign", "International", "Federal",
    "Republican", "Liberal", "Labour", "Labor", "Fraternal", "Regional", "Provincial",
    "Municipal", "Public", "State", "Joint", "Military", "Economic", "Political",
    # nouns of what a body deals with ("Director of Central Intelligence")
    "Intelligence", "Security", "Affairs", "Defense", "Defence", "Policy", "Planning",
    "Operations", "Research", "Relations", "Trade", "Finance", "Justice", "Information",
})
# After a comma, these words begin a note on the document, not a name ("Marked 'Final'").
NOTE_WORDS: tuple[str, ...] = ("marked", "annotated", "dated", "attached", "enclosed",
                               "entitled", "titled", "undated", "unsigned", "untitled")
# Participles that tell who made a document ("Speech Given by", "Report Presented to").
AUTHOR_VERBS: tuple[str, ...] = (
    "given", "presented", "delivered", "written", "signed", "prepared", "compiled", "sent",
    "made", "issued", "drafted", "held", "submitted", "addressed", "approved", "adopted",
    "received", "transmitted", "forwarded", "read", "published",
)
# Diplomatic missions: named by sending and host country ("Embassy of Poland in Romania").
MISSION_WORDS: tuple[str, ...] = ("Embassy", "Consulate General", "Consulate", "Legation",
                                  "Mission", "Permanent Mission")
# Foreign ministries as the catalogue writes them, canonical form first.
FOREIGN_MINISTRY_FORMS: tuple[str, ...] = ("Ministry of Foreign Affairs", "Foreign Ministry",
                                           "Ministry of Foreign Relations", "MFA",
                                           "Foreign Office", "Ministry for Foreign Affairs")
# Party organs named after their party ("Bulgarian Politburo", "CPSU CC Politburo"), as the
# catalogue spells them, each with the name it is given ("Politboro" is a recurring typo).
PARTY_ORGAN_NAMES: dict[str, str] = {
    "Politburo": "Politburo", "Politboro": "Politburo", "Political Bureau": "Politburo",
    "Political Committee": "Politburo",  # the Hungarian party's name for it
    "Presidium": "Presidium", "Secretariat": "Secretariat",
    "Central Committee": "Central Committee", "CC": "Central Committee",
}
PARTY_ORGANS: tuple[str, ...] = tuple(PARTY_ORGAN_NAMES)
# Words of events and gatherings: "of the Meeting" names no author.
GATHERING_WORDS: tuple[str, ...] = (
    "meeting", "meetings", "session", "sessions", "plenum", "conference", "congress",
    "visit", "visits", "talks", "discussion", "discussions", "negotiations", "reception",
    "dinner", "lunch", "banquet", "audience", "summit", "period", "events", "situation",
)
# A group of people, not a person ("All Provincial Premiers", "Soviet Ambassadors").
GROUP_WORDS: tuple[str, ...] = ("Premiers", "Ministers", "Ambassadors", "Leaders", "Members",
                                "Secretaries", "Chairmen", "Governments", "Delegates",
                                "Representatives", "Comrades", "Officials", "Commanders",
                                "Soldiers", "Workers", "Heads", "Holders", "Advisers",
                                "Officers", "Authorities", "Others", "Branches", "Countries",
                                "Movements", "Parties", "Offices", "Bureaus", "Departments",
                                "Leadership", "Organizations", "Organisations", "Embassies",
                                "Ministries", "Missions", "States", "Republics")

# Buildings where meetings are held: "in the Building of the National Committee" says where
# the people before it met.
VENUE_WORDS: frozenset[str] = frozenset({
    "Airport", "Residence", "Building", "Square", "Street", "Palace", "Hall", "Hotel", "Villa",
    "Kremlin", "Dacha",
})
# Words of places: a phrase ending in one names a place, not a person ("Kiev Oblast").
PLACE_WORDS: frozenset[str] = VENUE_WORDS | frozenset({
    "Oblast", "Province", "Provinces", "Region", "Regions", "District", "Krai", "Republic",
    "Republics", "States", "Island", "Islands", "City", "County", "Territory", "Territories",
    "Kingdom", "Peninsula", "Sea", "River", "Mountains", "Front", "Line", "Zone", "Coast",
    "Strait",
})

# Abstract and event nouns the statistical model takes for names ("Kim Philbey Visit",
# "Strikes", "US-Greek Relations"): never the last word of a personal name.
ABSTRACT_NOUNS: frozenset[str] = frozenset({
    "Visit", "Visits", "Relations", "Situation", "Question", "Questions", "Strikes", "Strike",
    "Problem", "Problems", "Issue", "Issues", "Crisis", "Talks", "Meeting", "Meetings",
    "Agreement", "Policy", "War", "Treaty", "Assistance", "Friendship", "Alliance",
    "Cooperation", "Affairs", "Revolution", "Uprising", "Plan", "Program", "Programme",
    "Conference", "Summit", "Negotiations", "Elections", "Election", "Referendum", "Reform",
    "Reforms", "Events", "Incident", "Declaration", "Doctrine", "Proposal", "Proposals",
})
ORDINALS: frozenset[str] = frozenset({
    "First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth",
    "Tenth", "Last", "Final",
})

# -- names ---------------------------------------------------------------------------------
# Lower-case words inside personal names.
NAME_PARTICLES: frozenset[str] = frozenset({
    "de", "van", "von", "der", "den", "bin", "ibn", "al", "el", "la", "le", "du", "y", "da",
    "di", "dos", "del", "das", "ter", "ten", "zu", "af", "os", "ul", "ud",
})
# Lower-case words inside the names of bodies.
ORG_CONNECTORS: frozenset[str] = frozenset({"of", "the", "for", "and", "on", "in", "to", "under",
                                            "at", "de", "des", "du", "with"})


def lower_words(*phrases: str) -> frozenset[str]:
    """Every word of `phrases`, lower case, without a closing full stop ("Cde." -> "cde"): for
    telling whether a word alone is one of them."""
    return frozenset(w.lower().rstrip(".") for phrase in phrases for w in phrase.split())


def words_pattern(words: tuple[str, ...] | frozenset[str], *, plural: bool = False) -> str:
    """A regex alternation of `words`, longest first, spaces matching any white space."""
    alts = sorted(words, key=len, reverse=True)
    body = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in alts)
    return f"(?:{body})" + ("s?" if plural else "")
