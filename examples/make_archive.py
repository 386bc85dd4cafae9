"""Generate the fictional Harbourside Courier archive used by the examples.

The ten stories below are fiction written for reprint-check: the town, the
people, the ferry company, the storm and the newspaper do not exist. They are
kept here as plain data so that the HTML pages (``archive/<slug>.html``) and
the JSONL export (``archive.jsonl``) are two renderings of one source and can
never drift apart; ``make_suspects.py`` imports the same data to cut exact
excerpts from it.

Run ``python examples/make_archive.py`` after editing a story, then
``python examples/make_suspects.py`` (the expected figures depend on the text).
Only the standard library is used, so the examples rebuild anywhere.
"""

from __future__ import annotations

import html
import json
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
HOST = "harbourside-courier.example"
HOME = f"https://{HOST}/"
SITE_NAME = "The Harbourside Courier"

# Article lengths the examples rely on: long enough to quote 750 characters
# from, short enough to read through when checking an expected figure.
MIN_ARTICLE_CHARS = 1800
MAX_ARTICLE_CHARS = 3500


@dataclass(frozen=True)
class Story:
    """One fictional article; ``body`` is prose wrapped for the source file."""

    slug: str
    title: str
    published: str  # ISO 8601, as in article:published_time
    author: str
    section: str
    body: str  # paragraphs separated by blank lines; line breaks inside are spaces

    @property
    def url(self) -> str:
        return f"https://{HOST}/2026/03/{self.slug}/"

    @property
    def paragraphs(self) -> tuple[str, ...]:
        blocks = [b for b in self.body.strip().split("\n\n") if b.strip()]
        return tuple(" ".join(line.strip() for line in b.splitlines()) for b in blocks)

    @property
    def text(self) -> str:
        """The body as the JSONL export and ``Article.text`` hold it."""
        return "\n\n".join(self.paragraphs)


STORIES: tuple[Story, ...] = (
    Story(
        slug="storm-clean-up",
        title="Hundreds turn out to clear seafront after Storm Wendell",
        published="2026-03-02T08:15:00+00:00",
        author="Lowenna Jory",
        section="News",
        body="""
More than three hundred volunteers spent Sunday clearing shingle, seaweed and broken fencing
from Harbourside’s seafront after Storm Wendell drove waves over the promenade wall on Friday
night.

The storm brought gusts of 84mph to Beacon Point, the strongest recorded there since 2014, and
coincided with one of the highest spring tides of the year. Waves lifted sections of the wooden
boardwalk outside the lifeboat station and dumped them in the car park on Marine Parade, and the
ground floors of eleven properties on Lower Strand flooded to a depth of about thirty
centimetres.

Nobody was hurt. Coastguard officers closed the promenade at 6pm on Friday, two hours before
high water, and police moved a handful of people who had gathered on the harbour arm to film
the waves.

The clean-up was organised in less than a day through a neighbourhood message group started by
Lowri Tregarthen, who runs the café at the end of the pier. “I put up one message on Saturday
morning asking if anyone had a spare shovel,” she said. “By lunchtime we had a spreadsheet, four
tractors and someone’s grandmother making soup for two hundred people.”

Council crews worked alongside the volunteers, loading shingle into lorries to be returned to
the beach at low tide. The council said the promenade would reopen to pedestrians on Tuesday
but that the boardwalk would stay fenced off until engineers had checked the supports, which
may have been undermined. Lower Strand residents have been offered free skips and a visit from
the council’s environmental health team to check for sewage contamination.

Several residents questioned why the flood gates at the end of Lower Strand had not been
closed. The gates, installed in 2017 after a similar flood, are supposed to be shut by the
harbour authority whenever a storm surge warning is issued. The harbour authority said on
Monday that a warning had been issued at 3pm on Friday but that the gates had jammed on their
runners and could not be moved in time. An inquiry has been promised.

Donations of work gloves and heavy-duty bin bags can be left at the lifeboat station, which is
acting as the collection point until the end of the week.
""",
    ),
    Story(
        slug="ferry-timetable-change",
        title="Island ferry to run hourly from April as winter timetable ends early",
        published="2026-03-03T07:30:00+00:00",
        author="Nia Penrose",
        section="News",
        body="""
Ferries between Harbourside and Gull Island will run every hour from 6 April, three weeks
earlier than in previous years, after the operator agreed to bring forward its summer timetable
to cope with rising passenger numbers.

Saltmarsh Ferries said on Monday that the first sailing from the town pier will leave at 6.15am
on weekdays, with the last return crossing from Gull Island at 10.45pm. Weekend services will
start an hour later. Until now the winter timetable, with a sailing every two hours, has run
until the end of April.

“We carried more people in February than we did in June five years ago,” said Maren Holt, the
company’s operations manager. “Commuters have been standing on the car deck in the rain because
the lounge is full. Bringing the hourly service forward is the quickest thing we can do while we
wait for the second vessel.”

The second vessel, the MV Kittiwake, is being refitted at a yard in Port Elvin and is not
expected back in service before July. Until it returns, the MV Tern will make every crossing on
its own, which means a single breakdown could cancel a whole day of sailings. The company has
hired an extra engineer to be based on the island during the busiest weeks.

Fares will not change with the new timetable. A single adult ticket remains £4.80, and the
monthly commuter pass stays at £96. Islanders with a resident’s card will continue to travel
free outside the morning peak.

Not everyone welcomed the announcement. Parents on Gull Island said the 3.30pm sailing, which
many secondary pupils use to get home from school, will move to 3.15pm under the new timetable,
fifteen minutes before the last bell at Harbourside Academy. “My son will either leave lessons
early or wait an hour on the pier,” said Ruth Calloway, who chairs the island’s community
association. “Nobody asked the school.”

Ms Holt said the company would meet the academy’s head teacher this week and was prepared to
hold the afternoon sailing if enough pupils needed it. “If the boat has to wait ten minutes for
forty children, it will wait,” she said.

Printed timetables will be available from the harbour master’s office on Quay Street and the
island post office from 30 March. The full timetable is also posted at both piers.
""",
    ),
    Story(
        slug="library-renovation",
        title="Carnegie library to reopen in May after £2.1m renovation",
        published="2026-03-04T16:45:00+00:00",
        author="Tamsin Hocking",
        section="News",
        body="""
Harbourside’s Carnegie library will reopen on 9 May, eighteen months after it closed for a
renovation that ran over budget and, for a while, threatened to leave the town without a
permanent library at all.

The council confirmed the date on Wednesday after building inspectors signed off the new roof
and the lift that will, for the first time, give wheelchair users access to the reading room on
the upper floor. The final bill for the work is £2.1m, about £400,000 more than the figure
approved in 2024. Most of the extra cost came from the roof, where contractors found that the
timbers above the reading room had been eaten away by beetle and would have to be replaced
rather than repaired.

“When we lifted the slates we could put a finger through the rafters,” said Idris Fenwick, the
council’s project manager. “There was no version of this job where we left that roof in place.
It would have come down on someone within ten years.”

Visitors will find the building changed inside. The children’s library moves from the damp
basement to the ground floor, next to a new glass-walled room with 3D printers, sewing machines
and a laser cutter that members can book by the hour. The basement will become a quiet study
space with forty desks and power sockets, open until 9pm on weekdays during exam season. The
local history collection, including the bound copies of the town’s newspapers going back to
1871, returns to the reading room in new fire-proof cabinets.

The temporary library in the old customs house on Wharf Lane will close on 2 May. Staff will
spend the following week moving about 38,000 books back up the hill, and the council has asked
borrowers to return anything they have on loan before then so that the catalogue can be
checked. Fines for late returns have been suspended until the end of June.

Not all the changes are popular. A petition signed by more than 600 people asked the council to
keep the customs house open as a second branch on the waterfront, where many older residents
found it easier to reach than the hilltop building. Councillor Bethan Marsh, who holds the
culture brief, said there was no money to staff two sites but that a mobile library van would
stop on Wharf Lane every Tuesday and Friday morning from June.

The reopening on 9 May will start at 10am with a reading by pupils from St Anne’s primary
school, whose drawings of the building cover the hoardings that have surrounded it since 2024.
""",
    ),
    Story(
        slug="council-budget-vote",
        title="Council approves budget with 4.5% tax rise after late-night vote",
        published="2026-03-06T09:05:00+00:00",
        author="Kit Pengelly",
        section="Politics",
        body="""
Harbourside town council has approved a budget that raises the town’s share of council tax by
4.5 per cent, after a meeting that ran until almost midnight and ended with the mayor casting
the deciding vote.

Councillors were split eleven to eleven on the final motion on Thursday night. Under the
council’s standing orders, the mayor, Councillor Denholm Achterberg, then had a second, casting
vote, which he used to pass the budget. It was the first time in at least twenty years that the
town’s budget has been decided that way, according to the town clerk.

The rise adds about £14 a year to the bill for a typical band D home. The budget sets aside
£180,000 to repair the promenade and boardwalk damaged by Storm Wendell last week, keeps the
public toilets on the seafront open through the winter, and pays for two extra seasonal wardens
on the beaches from May to September. It also puts £60,000 towards the running costs of the
Carnegie library, which reopens in May and whose opening hours would otherwise have been cut to
four days a week.

Opposition councillors had tabled an amendment that would have limited the rise to 2.9 per cent
by dropping the seasonal wardens and delaying the promenade repairs until the town had heard
whether it would receive emergency funding from the county. Councillor Sunita Ravel, who
proposed the amendment, said families already struggling with energy and food bills should not
be asked to pay more for repairs the county ought to fund. “We are asking people to pay for a
storm they did not cause, on a promenade that is not ours to mend,” she said. The amendment was
defeated by twelve votes to ten.

The council’s finance chair, Councillor Hamish Underhay, said the town could not afford to
wait. Every month the promenade stayed fenced off, he argued, cost businesses on Marine Parade
trade they would never get back, and the county had made no promise of help. “If the county
pays, the money goes back into reserves and we will say so,” he told the meeting. “If it does
not, and we have waited, we will be mending the wall in August with the beach full of
visitors.”

Residents will see the increase on bills sent out in April. The full budget papers, including a
line-by-line breakdown of spending on each service, are available at the town hall and online.
""",
    ),
    Story(
        slug="fishing-quota-dispute",
        title="Inshore fishermen challenge cut to crab and lobster catch limits",
        published="2026-03-09T11:20:00+00:00",
        author="Lowenna Jory",
        section="Business",
        body="""
Inshore fishermen working out of Harbourside have lodged a formal objection to new catch limits
that would cut the number of pots each boat may set for crab and lobster by a third from the
start of the summer season.

The limits, proposed by the regional fisheries authority last month, would reduce the maximum
from 600 pots to 400 for vessels under ten metres, which make up all but two of the boats in the
harbour. The authority says surveys show a steady fall in the number of mature brown crab
landed along this stretch of coast since 2019 and that fewer pots are needed to give the stock
time to recover.

The Harbourside Inshore Fishermen’s Association disputes the science. Its chair, Tomas
Reddaway, said the surveys had been carried out from a research vessel that worked the deeper
grounds offshore, not the rocky ledges close to land where most of the local fleet sets its
gear. “They’ve measured somebody else’s crabs and sent us the bill,” he said. “Our own logbooks
show catches holding steady for six years. We’ve offered those logbooks to the authority three
times and nobody has come to collect them.”

The association’s objection, a forty-page document drafted with help from a marine biologist at
the university in Port Elvin, argues that the authority should instead raise the minimum
landing size for brown crab by five millimetres and close the grounds for six weeks in late
autumn, when the females are carrying eggs. Both measures, it says, would protect breeding stock
without forcing crews to lay off deckhands in the middle of the season.

A spokesperson for the authority said every objection would be considered before a final
decision in May and that it welcomed local data “provided it can be verified”. She added that
the pot limit was a starting point and could be relaxed if the next two annual surveys showed an
improvement.

For crews already squeezed by rising fuel and bait prices, the timing could hardly be worse.
Kerry Anstice, who fishes the Gull Island ledges with her brother, said a third fewer pots would
mean roughly a third less income for the same hours at sea. “The boat still costs the same to
run whether I haul four hundred pots or six,” she said. “Cut the pots and you cut the crew.
It’s that simple.”

The fisheries authority will hold a public meeting about the proposals at the Seafarers’
Institute on 24 March at 7pm.
""",
    ),
    Story(
        slug="school-robotics-team",
        title="Academy robotics team heads to national final with a robot built from scrap",
        published="2026-03-11T13:00:00+00:00",
        author="Tamsin Hocking",
        section="Education",
        body="""
A team of six pupils from Harbourside Academy will compete in the national schools robotics
final next month after their robot, built largely from parts salvaged from a broken dishwasher
and two old bicycles, won the regional round on Saturday.

The contest asked teams to design a robot that could sort a mixed pile of coloured blocks into
bins and then climb a ramp, all within three minutes and without a human touching the controls.
Most of the twenty-four schools in the regional round arrived with robots built from commercial
kits costing several hundred pounds. The Harbourside team, who call themselves the Rust Buckets,
spent £38. Their robot’s arm is driven by the dishwasher’s spray motor, its wheels came off a
child’s bicycle found behind the sports hall, and the camera that tells it which colour a block
is was borrowed, with permission, from the school’s old document projector. It sorted all thirty
blocks on its second attempt and was the only robot in the competition to reach the top of the
ramp.

“We didn’t have a budget, so we had to be clever instead,” said Priya Okonjo, 16, who wrote most
of the robot’s software. “Every time something broke we went to the skip behind the canteen
before we went to a shop.”

The team’s teacher, Gareth Lumley, who teaches physics and runs the club after school on
Thursdays, said the pupils had done almost all the work themselves. “My job was mostly to find
them a room that nobody else wanted and to stop them taking apart anything that was still in
use,” he said. “They rebuilt the drive system four times in the last month. The version that won
on Saturday had been finished at eleven o’clock the night before.”

The national final takes place on 18 April. The school must pay for travel and two nights’
accommodation for the six pupils and two staff, and the team has started a fundraising page with
a target of £1,500. By Tuesday evening it had raised a little over £900, including £250 from the
harbour’s scrap metal merchant, who said he wanted to see the robot for himself before it left
town.

It is the first time a school from the peninsula has reached the final since the competition
began in 2011. The team will show the robot to the public at the library’s reopening day in May,
whatever the result.
""",
    ),
    Story(
        slug="food-market",
        title="Saturday food market moves into the old fish hall",
        published="2026-03-14T08:00:00+00:00",
        author="Morwenna Blake",
        section="Business",
        body="""
Harbourside’s Saturday food market will move indoors for good next month, taking over the
Victorian fish hall on the quay that has stood empty since the fish auction moved to Port Elvin
in 2019.

The market began in 2021 with nine stalls in the car park behind the harbour office and now has
more than forty traders selling everything from smoked mackerel to sourdough, goat’s cheese and
Sri Lankan curries. Its organisers have spent two winters putting up gazebos in the dark and
chasing them across the car park in the wind, and traders say numbers drop by half whenever the
forecast is for rain.

The harbour authority, which owns the hall, has agreed a five-year lease at a peppercorn rent for
the first year on the condition that the market organisers pay for new lighting and for the
drains to be cleared. Volunteers spent last weekend scrubbing the tiled floor, which still
carries the painted numbers of the old auction lots.

“It smells a great deal better than it did in January,” said Anwen Tresize, who chairs the
market’s traders’ committee and sells honey from hives on the cliffs above Beacon Point. “We’ll
have heat, we’ll have light and we’ll have a roof. For a market that has survived on gazebos and
goodwill, it feels like moving into a palace.”

The move means the market can open on Friday evenings during the summer as well as on Saturday
mornings. The committee plans to keep stall fees at £15 a day for the first year and to reserve
four pitches for new businesses, which will be offered free for their first month. The hall’s
old ice room will become a shared cold store for traders selling fish and meat.

Some shop owners on Fore Street are less enthusiastic. The chair of the town’s chamber of trade,
Colin Pascoe, said he welcomed the investment in the quay but worried that Friday evening
opening would draw customers away from the high street’s restaurants. The organisers said they
would limit hot food stalls on Fridays to six.

The first market in the fish hall will be held on Saturday 11 April from 8am to 1pm.
""",
    ),
    Story(
        slug="local-football-club",
        title="Harbourside Rovers’ cup run ends in penalty shoot-out heartbreak",
        published="2026-03-16T07:45:00+00:00",
        author="Jago Trewhella",
        section="Sport",
        body="""
Harbourside Rovers’ best cup run in forty years came to an end on Saturday when they lost 5–4 on
penalties to Milbrook Town in the county senior cup semi-final, after a 2–2 draw in front of a
record crowd at the Quayside Ground.

More than 1,700 people squeezed into a ground that normally holds about 1,200, with supporters
standing three deep on the grass bank behind the clubhouse and a handful watching from the roof
of the groundsman’s shed until a steward persuaded them down. The club opened a second turnstile
for the first time since it was built and ran out of programmes half an hour before kick-off.

Rovers, who play two divisions below their opponents, fell behind after nine minutes when
Milbrook’s striker headed in a corner at the near post. They equalised just before half-time
through Jory Penhaligon, a 19-year-old apprentice electrician, and went ahead early in the second
half when captain Dafydd Rowe curled a free kick over the wall. Milbrook levelled with six
minutes left, and neither side could find a winner in extra time.

In the shoot-out, the first eight penalties were all scored before Rovers’ goalkeeper, Owen
Tremayne, saved Milbrook’s fifth. But substitute Callum Vosper, who had come on in extra time,
saw his kick hit the bar, and Milbrook scored their next two to win it.

“I told the lads in the dressing room that nobody in this town will remember who missed a
penalty,” said the Rovers manager, Steve Lanyon. “They will remember seventeen hundred people on
a bank in the rain and a team of plumbers, electricians and students that took a side two
divisions above them to the last kick. I couldn’t be prouder of them.”

The club’s treasurer said gate receipts from the match would clear the cost of new floodlights,
which the league requires before the club can be promoted. Rovers are second in their division
with nine games left and need to finish in the top two to go up.

Their next home match is against Trevose Athletic on 28 March.
""",
    ),
    Story(
        slug="lighthouse-restoration",
        title="Beacon Point lighthouse to shine again after three-year restoration",
        published="2026-03-20T10:30:00+00:00",
        author="Morwenna Blake",
        section="Culture",
        body="""
The lighthouse at Beacon Point will be lit again on 21 June for the first time since 1998, when
a charitable trust completes a three-year restoration of the tower, the keepers’ cottages and
the great glass lens that once threw its beam twenty-two miles out to sea.

The light was switched off when the shipping authority replaced it with an automatic beacon on a
steel mast at the end of the point, and the tower has been empty ever since. Its lantern room
lost most of its glazing in a storm in 2009, and by the time the Beacon Point Trust bought the
site for £1 in 2022 pigeons were nesting inside the lens.

“The first time I climbed the stairs, I had to wear a hard hat and a face mask, and I still came
down covered in feathers,” said Marjorie Quiller, the trust’s chair, whose grandfather kept the
light in the 1950s. “People told us we were mad. I think they were probably right, but it’s too
late to stop now.”

The lens, made in 1874 from more than three hundred prisms of hand-ground glass, was taken apart
piece by piece and sent to a specialist workshop for cleaning and repair. Eleven cracked prisms
were remade by a glassmaker in the north who had to build his own moulds from measurements of
the originals. The brass frame that holds them was straightened, polished and reassembled in the
tower in January.

The restored light will not be used for navigation. The trust has agreed with the shipping
authority that it will shine only on summer evenings and on special occasions, with a modern
lamp at a fraction of the original’s power, so that sailors do not mistake it for a working
light. “It will be a light for the town, not for the ships,” Ms Quiller said. “The ships have
their own now.”

The keepers’ cottages have been turned into a small museum and two holiday lets, whose income
will pay for the upkeep of the tower. The museum will tell the story of the families who lived
on the point, including the three keepers who rowed out in the great gale of 1923 to rescue the
crew of the schooner Ellen Trewin.

The project has cost £1.4m, most of it raised from heritage grants. About £210,000 came from
public donations, including more than £30,000 collected in jam jars at the town’s shops and
pubs. The trust still needs about £45,000 to finish the path from the car park, and volunteers
will run guided tours of the tower for donors every Sunday in May.

“My grandfather used to say the light was the town’s way of telling people they were nearly
home,” Ms Quiller said. “We want to switch it on for everyone who has ever looked for it.”
""",
    ),
    Story(
        slug="jazz-festival",
        title="Harbour Jazz Festival announces biggest line-up in its history",
        published="2026-03-25T12:10:00+00:00",
        author="Jago Trewhella",
        section="Culture",
        body="""
The Harbour Jazz Festival will spread across eight venues and four days this summer, its
organisers announced on Tuesday, with more than sixty performances planned in what will be the
biggest programme since the festival began in a pub back room in 1994.

The festival runs from 23 to 26 July. For the first time, the main stage will be a marquee on
the green at Marine Parade rather than the school hall that has hosted the headline concerts for
the past decade, and the organisers have booked a floating stage, built on a pair of moored
barges, for free afternoon concerts in the inner harbour. Smaller sets will take place in the
fish hall, the lifeboat station, three pubs, the Methodist chapel on Chapel Hill and, on the
Sunday morning, on the deck of the Gull Island ferry, which will make two special crossings with
a quartet playing on board. Tickets for the marquee go on sale on 1 April, and day passes for
the whole festival will cost £45, with half-price tickets for under-eighteens and residents of
the peninsula.

The headline act on the Saturday night is the saxophonist Imogen Delacroix-Baird, who grew up in
Harbourside and played her first public gig at the festival at the age of fourteen. She has
since recorded nine albums and toured with some of the best-known big bands in Europe. “I’ve
played concert halls all over the world, but this is the stage that still makes my hands
shake,” she said in a statement. “My mum will be in the front row, and she still tells me when
I’m out of tune.”

The festival’s director, Rhodri Castellan, said the move to a marquee would double the capacity
of the main stage to about 1,100. “Every year we turn away hundreds of people at the school
hall, and every year some of them are people who have come to the festival for thirty years,”
he said. “We would rather put up a tent than keep saying no.”

Not everyone is thrilled. Residents of the terraces that overlook the green have been promised
that amplified music will stop at 10.30pm each night and that the marquee will be taken down
within two days of the festival ending. The council has granted a licence on those conditions.

The organisers are looking for about one hundred volunteers to act as stewards, sell programmes
and help with the floating stage. Volunteers receive a free festival pass and a T-shirt.
""",
    ),
)

NAV = (
    ("News", "/news/"),
    ("Politics", "/politics/"),
    ("Business", "/business/"),
    ("Education", "/education/"),
    ("Sport", "/sport/"),
    ("Culture", "/culture/"),
    ("Weather", "/weather/"),
)

# Publisher boilerplate: identical on every page, so an index should learn to ignore it.
FICTION_NOTICE = (
    "Fictional demonstration site: The Harbourside Courier and every story on it were "
    "written for the reprint-check examples."
)
NEWSLETTER = (
    "Get the Courier’s morning briefing in your inbox every weekday — local news, "
    "tide times and what’s on, before the first ferry leaves."
)
COPYRIGHT = "© 2026 The Harbourside Courier, 3 Ropewalk, Harbourside. All rights reserved."
REPUBLISHING = (
    "You may republish up to 500 characters of any story with an active link to it. "
    "For anything longer, ask us for written permission."
)


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def _attr(text: str) -> str:
    return html.escape(text, quote=True)


def _human_date(published: str) -> str:
    moment = datetime.fromisoformat(published)
    return f"{moment:%A} {moment.day} {moment:%B %Y}, {moment:%H:%M}"


def _related(story: Story) -> tuple[Story, ...]:
    """Three neighbours in the archive, so each page links to other stories like a real site."""
    index = STORIES.index(story)
    return tuple(STORIES[(index + step) % len(STORIES)] for step in (1, 2, 3))


def render_html(story: Story) -> str:
    """A standalone article page: chrome around an ``<article>`` whose paragraphs are the body."""
    nav = "\n".join(f'        <li><a href="{href}">{_esc(name)}</a></li>' for name, href in NAV)
    share_url = quote(story.url, safe="")
    related = "\n".join(
        f'        <li><a href="{_attr(other.url)}">{_esc(other.title)}</a></li>'
        for other in _related(story)
    )
    body = "\n".join(f"        <p>{_esc(p)}</p>" for p in story.paragraphs)
    description = story.paragraphs[0]
    return f"""<!DOCTYPE html>
<!-- Fiction: page, newspaper and story were invented for the reprint-check examples. -->
<html lang="en-GB">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{_esc(story.title)} | {SITE_NAME}</title>
  <meta name="description" content="{_attr(description)}">
  <meta name="author" content="{_attr(story.author)}">
  <link rel="canonical" href="{_attr(story.url)}">
  <meta property="og:type" content="article">
  <meta property="og:site_name" content="{SITE_NAME}">
  <meta property="og:title" content="{_attr(story.title)}">
  <meta property="og:url" content="{_attr(story.url)}">
  <meta property="article:published_time" content="{story.published}">
  <meta property="article:section" content="{_attr(story.section)}">
  <link rel="stylesheet" href="/static/courier.css">
</head>
<body>
  <p class="fiction-notice" role="note">{_esc(FICTION_NOTICE)}</p>
  <header class="site-header">
    <a class="logo" href="{HOME}">{SITE_NAME}</a>
    <nav aria-label="Sections">
      <ul>
{nav}
      </ul>
    </nav>
    <form class="search" action="/search/" role="search">
      <input type="search" name="q" placeholder="Search the Courier">
    </form>
  </header>
  <main>
    <article>
      <header>
        <p class="kicker"><a href="/{story.section.lower()}/">{_esc(story.section)}</a></p>
        <h1>{_esc(story.title)}</h1>
        <p class="byline">By {_esc(story.author)} ·
          <time datetime="{story.published}">{_human_date(story.published)}</time></p>
      </header>
      <ul class="share" aria-label="Share this story">
        <li><a href="mailto:?subject={quote(story.title)}&amp;body={share_url}">Email</a></li>
        <li><a href="https://social.example/share?url={share_url}">Post</a></li>
        <li><button type="button" data-copy="{_attr(story.url)}">Copy link</button></li>
      </ul>
      <div class="article-body">
{body}
      </div>
    </article>
    <aside class="related">
      <h2>Related stories</h2>
      <ul>
{related}
      </ul>
    </aside>
  </main>
  <footer class="site-footer">
    <p class="newsletter">{_esc(NEWSLETTER)} <a href="/newsletter/">Sign up free</a></p>
    <p class="republishing">{_esc(REPUBLISHING)} <a href="/republishing/">Our policy</a></p>
    <p class="copyright">{_esc(COPYRIGHT)}</p>
  </footer>
</body>
</html>
"""


def jsonl_line(story: Story) -> str:
    record = {
        "url": story.url,
        "title": story.title,
        "published": story.published,
        "text": story.text,
    }
    return json.dumps(record, ensure_ascii=False)


def check_stories() -> None:
    """Refuse data the examples cannot rely on: odd lengths, duplicate slugs, stray spacing."""
    slugs = [s.slug for s in STORIES]
    if len(set(slugs)) != len(slugs):
        raise SystemExit("make_archive.py: two stories share a slug")
    for story in STORIES:
        size = len(story.text)
        if not MIN_ARTICLE_CHARS <= size <= MAX_ARTICLE_CHARS:
            raise SystemExit(
                f"make_archive.py: {story.slug} has {size} characters, "
                f"expected {MIN_ARTICLE_CHARS}-{MAX_ARTICLE_CHARS}"
            )
        if "  " in story.text or "\t" in story.text:
            raise SystemExit(f"make_archive.py: {story.slug} has doubled white space")


def main() -> int:
    check_stories()
    archive = HERE / "archive"
    archive.mkdir(exist_ok=True)
    for story in STORIES:
        (archive / f"{story.slug}.html").write_text(render_html(story), encoding="utf-8")
    lines = "".join(jsonl_line(story) + "\n" for story in STORIES)
    (HERE / "archive.jsonl").write_text(lines, encoding="utf-8")
    for story in STORIES:
        print(f"{story.slug:28} {len(story.text):5d} chars  {len(story.paragraphs)} paragraphs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
