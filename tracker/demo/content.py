"""The demo web's sites and articles: written for this project (fiction), so the demo and its
tests own every word. Hosts use the reserved ``.example`` top-level domain."""

from __future__ import annotations

from dataclasses import dataclass, field

SITES = {
    "harbourtimes.example": "The Harbour Times",
    "coastwire.example": "Coast Wire",
    "peoplesvoice.example": "People's Voice",
    "dailydigest.example": "Daily Digest",
    "newsbucket.example": "News Bucket",
    "briefings.example": "Morning Briefings",
}

PIER = [
    "The city council voted seven to two on Tuesday night to rebuild the old ferry pier at Gull Point, ending a decade of argument over a structure that has been closed to the public since the winter storms of 2016.",
    "The plan approved by councillors sets aside 14.2 million for a new concrete deck, a covered waiting area and a floating landing stage that rises and falls with the tide, so that the small ferries to the outer islands can berth at any hour.",
    "Supporters packed the public gallery. Marta Ilves, who runs a bakery on the harbour road, told the meeting that the closure had cut her winter trade by a third and that the island ferries now land passengers two miles away at an industrial quay with no shelter.",
    "Opponents argued that the money would be better spent on the flood defences along the eastern seawall, which engineers have rated as poor in three consecutive inspections. Councillor Dev Anand said the vote put a postcard view ahead of the safety of four hundred homes.",
    "The harbour master, Ruth Okafor, said the pier would be designed to survive a storm surge one metre higher than the one that wrecked the old deck, and that the landing stage could be lifted out of the water when severe weather was forecast.",
    "Work is expected to begin next spring and to take eighteen months. The council will ask the regional transport fund to cover forty per cent of the cost, a request that officials described as likely to succeed because the ferries carry schoolchildren and patients to the mainland.",
    "The old pier was built in 1911 for the steamers that carried fish and tourists along the coast. Its timber piles were replaced twice in the last century, and a survey in 2017 found that more than half of them had been eaten through by shipworm.",
    "A public exhibition of the designs will open at the library on the first of next month, and residents will be able to comment on the colour of the shelter and the design of the railings before the contract is signed.",
]

LIBRARY = [
    "The central library will stay open until ten o'clock on weeknights from January, after a trial of late opening drew more than eleven thousand visits in six weeks, most of them from students preparing for examinations.",
    "The library's director, Anneli Kask, said the reading rooms had been full every evening of the trial and that the quiet study floor had a waiting list on most Thursdays.",
    "The extra hours will be paid for by closing the building on Monday mornings, when visitor numbers are lowest, and by moving two posts from the mobile library service, which will still visit the outlying villages every fortnight.",
    "The staff union said it had agreed to the change after the council promised that no one would be asked to work more than two late shifts a week and that a security guard would be on duty after eight.",
    "Parents' groups welcomed the decision. The library is the only public building in the town centre with free wireless internet after six, and several teachers said pupils without a quiet room at home had come to depend on it.",
]

ROAD_V1 = [
    "The coast road between Marlow Bay and the lighthouse was closed on Sunday after a landslip carried away part of the southbound lane, police said.",
    "About 300 metres of the road will stay shut for at least a week while engineers inspect the cliff above it. Drivers are being sent inland through Ashby, adding around twenty minutes to the journey.",
    "Residents of the lighthouse cottages said they had warned the council about cracks in the road surface in the autumn.",
    "The bus company said the number 9 service would not stop at the lighthouse until the road reopened.",
]
ROAD_V2 = [
    "The coast road between Marlow Bay and the lighthouse was closed on Sunday after a landslip carried away part of the southbound lane, police said.",
    "About 150 metres of the road will stay shut for at least two weeks while engineers inspect the cliff above it. Drivers are being sent inland through Ashby, adding around twenty minutes to the journey.",
    "Residents of the lighthouse cottages said they had warned the council about cracks in the road surface in the autumn.",
    "On Monday the council said a temporary footpath would be opened along the landward verge so that residents could reach the bus stop at the top of the hill.",
    "The bus company said the number 9 service would not stop at the lighthouse until the road reopened.",
    "Correction: an earlier version of this article said 300 metres of the road was closed. The closed section is 150 metres long.",
]


@dataclass
class Article:
    """One article page of the demo web."""

    site: str
    path: str
    title: str
    byline: str
    published: str
    paragraphs: list[str]
    credit_html: str = ""
    canonical: str | None = None
    states: tuple[int, ...] = (1, 2)
    listed: bool = True
    extra: dict = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://{self.site}{self.path}"


PIER_URL = "http://harbourtimes.example/2026/11/council-votes-to-rebuild-ferry-pier/"

ARTICLES = [
    Article(
        "harbourtimes.example",
        "/2026/11/council-votes-to-rebuild-ferry-pier/",
        "Council votes to rebuild Gull Point ferry pier",
        "By Lina Sorensen",
        "2026-11-17T08:30:00+00:00",
        PIER,
    ),
    Article(
        "harbourtimes.example",
        "/2026/11/library-late-opening/",
        "Central library to open late on weeknights",
        "By Tom Varga",
        "2026-11-18T07:00:00+00:00",
        LIBRARY,
    ),
    Article(
        "harbourtimes.example",
        "/2026/11/coast-road-closed/",
        "Coast road closed after landslip",
        "By Lina Sorensen",
        "2026-11-19T09:15:00+00:00",
        ROAD_V1,
        states=(1,),
    ),
    Article(
        "harbourtimes.example",
        "/2026/11/coast-road-closed/",
        "Coast road to stay shut for two weeks after landslip",
        "By Lina Sorensen",
        "2026-11-19T09:15:00+00:00",
        ROAD_V2,
        states=(2,),
    ),
    # Credited repost: a link back to the original.
    Article(
        "coastwire.example",
        "/news/gull-point-pier-rebuild/",
        "Council votes to rebuild Gull Point ferry pier",
        "Lina Sorensen",
        "2026-11-17T13:05:00+00:00",
        PIER,
        credit_html=f'<p><em>This story was originally published by <a href="{PIER_URL}">The Harbour Times</a> and is republished with permission.</em></p>',
    ),
    # Chain: credits Coast Wire (which credits The Harbour Times) the TRANSCEND way.
    Article(
        "peoplesvoice.example",
        "/2026/11/18/ferry-pier-to-be-rebuilt/",
        "Ferry pier to be rebuilt after decade-long row",
        "Lina Sorensen – Coast Wire",
        "2026-11-18T06:40:00+00:00",
        PIER,
        credit_html='<p><a href="http://coastwire.example/news/gull-point-pier-rebuild/">Go to Original – coastwire.example</a></p>',
    ),
    # Cross-site canonical link to the original.
    Article(
        "dailydigest.example",
        "/local/ferry-pier-vote/",
        "Council votes to rebuild Gull Point ferry pier",
        "Lina Sorensen",
        "2026-11-17T16:20:00+00:00",
        PIER,
        canonical=PIER_URL,
    ),
    # Uncredited repost with a new headline and the last paragraph cut.
    Article(
        "newsbucket.example",
        "/stories/ferry-pier-millions/",
        "Millions for a pier while the seawall crumbles",
        "Staff",
        "2026-11-18T10:00:00+00:00",
        PIER[:-1],
    ),
    # Excerpt: the first two paragraphs and a link.
    Article(
        "briefings.example",
        "/morning/2026-11-18/",
        "Gull Point pier to be rebuilt",
        "Morning Briefings desk",
        "2026-11-18T05:00:00+00:00",
        PIER[:3],
        credit_html=f'<p><a href="{PIER_URL}">Read more at The Harbour Times</a></p>',
    ),
]


def articles_in_state(state: int) -> list[Article]:
    """The articles the demo web serves in a given state (1: first crawl, 2: after the edit)."""
    return [a for a in ARTICLES if state in a.states]
