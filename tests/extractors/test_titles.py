"""Titles: the headline the reader sees, without the site's name."""

from __future__ import annotations

from lxml import html as lxml_html

from extractors import extract
from extractors.titles import choose_title, headings, strip_site_suffix

BODY = "".join(
    f"<p>{sentence}</p>"
    for sentence in (
        "The envoy met the prime minister in Beirut on Thursday to discuss a truce along the border.",
        "Officials said the talks would resume next week after consultations with the armed group.",
    )
)


def test_the_site_is_told_by_its_name_or_its_host() -> None:
    assert strip_site_suffix("Envoy meets premier in Beirut - Bread Dad", None, host="www.breaddad.com") == (
        "Envoy meets premier in Beirut"
    )
    assert strip_site_suffix("Talks resume in Beirut | BBC News", None, host="news.bbc.co.uk") == (
        "Talks resume in Beirut"
    )
    assert strip_site_suffix("Daily Example - Envoy meets premier", "Daily Example") == "Envoy meets premier"
    # "Headline | Section | Site": the section goes with the site
    assert strip_site_suffix("Talks resume in Beirut | Opinion | Daily Example", "Daily Example") == (
        "Talks resume in Beirut"
    )
    # a long last part is a subtitle, not a site
    subtitle = "How machine learning is shaping shops - ten benefits, use cases and best practices"
    assert strip_site_suffix(subtitle, None) == subtitle


def test_an_h1_that_names_the_blog_is_not_the_headline() -> None:
    metas = ["rustc_codegen_gcc: Progress Report #39"]
    assert choose_title(metas, ["Antoyo's Blog"], None) == "rustc_codegen_gcc: Progress Report #39"
    metas = ["AI Trains on Your Art: Three Models That Could Pay You Back — Human in the Loop"]
    assert (
        choose_title(metas, ["Human in the Loop"], None)
        == "AI Trains on Your Art: Three Models That Could Pay You Back"
    )
    assert choose_title(["Zero Waste 101: A beginner's guide"], ["Recycle by City"], None) == (
        "Zero Waste 101: A beginner's guide"
    )


def test_dates_and_bylines_glued_to_the_h1_are_left_out() -> None:
    metas = ["Preparing a transition in Debusine | Colin Watson's blog"]
    assert choose_title(metas, ["Dec 18 2025 Preparing a transition in Debusine"], None) == (
        "Preparing a transition in Debusine"
    )
    metas = ["Top Strategies to Optimize Blockchain Performance - Example Company"]
    h1 = "Top Strategies to Optimize Blockchain Performance Posted on July 1, 2024 by infuy"
    assert choose_title(metas, [h1], None) == "Top Strategies to Optimize Blockchain Performance"
    # a headline that merely contains a meta title is kept whole
    metas = ["Best High School Tutors in 2025 | Example"]
    h1 = "Best High School Tutors in 2025, Reviewed by a Student"
    assert choose_title(metas, [h1], None) == h1


def test_off_articles_a_slogan_h1_gives_way_to_the_page_title() -> None:
    metas = ["Fly: Deploy app servers close to your users"]
    assert choose_title(metas, ["Build fast. Run any code fearlessly."], None, article=False) == (
        "Fly: Deploy app servers close to your users"
    )
    # a product's name is in its page title: the h1 stays
    metas = ["Audeze LCD-2 Classic Planar Magnetic Headphones | Example Shop"]
    assert choose_title(metas, ["Audeze LCD-2 Classic Headphones"], None, article=False) == (
        "Audeze LCD-2 Classic Headphones"
    )
    # on an article the only h1 is the headline, whatever the SEO title says
    metas = ["Hybrid and EV Buying Guide - Consumer Reports"]
    assert choose_title(metas, ["Find an Efficient Vehicle That's Right for You"], None) == (
        "Find an Efficient Vehicle That's Right for You"
    )


def test_a_page_that_states_an_author_reads_as_an_article() -> None:
    page = (
        "<html><head><title>Hybrid and EV Buying Guide - Consumer Reports</title>"
        '<meta name="author" content="Jane Doe"></head><body><article>'
        f"<h1>Find an Efficient Vehicle That's Right for You</h1>{BODY}</article></body></html>"
    )
    article = extract(page, url="https://www.example.org/cars/guide")
    assert article is not None
    assert article.title == "Find an Efficient Vehicle That's Right for You"
    unsigned = page.replace('<meta name="author" content="Jane Doe">', "")
    article = extract(unsigned, url="https://www.example.org/cars/guide")
    assert article is not None
    assert article.title == "Hybrid and EV Buying Guide"  # a slogan-like h1 on an unsigned, undated page


def test_leading_parts_that_name_the_site_go() -> None:
    title = "SoundStage! Xperience | SoundStageXperience.com - The Five Best Noise-Canceling Headphones"
    assert strip_site_suffix(title, None, host="www.soundstagexperience.com") == (
        "The Five Best Noise-Canceling Headphones"
    )
    # a leading part that merely resembles the host stays
    assert strip_site_suffix("Science Weekly - Envoy meets premier in Beirut", None, host="science.org") == (
        "Science Weekly - Envoy meets premier in Beirut"
    )


def test_a_meta_title_cut_to_a_length_limit_gives_way_to_the_whole_one() -> None:
    cut = "Fix It Friday: We Help 4 Readers Find Solutions (Including"
    whole = (
        "Fix It Friday: We Help 4 Readers Find Solutions (Including One Universal Trick) - Emily Henderson"
    )
    assert choose_title([cut, whole], [], "Emily Henderson") == (
        "Fix It Friday: We Help 4 Readers Find Solutions (Including One Universal Trick)"
    )
    assert choose_title(["Envoy meets premier…", "Envoy meets premier in Beirut"], [], None) == (
        "Envoy meets premier in Beirut"
    )
    # a site's name after a separator does not continue a title
    assert choose_title(["Science news today", "Science news today : NPR"], [], None) == "Science news today"


def test_a_headline_printed_twice_in_two_cases_is_one_headline() -> None:
    metas = ["Brake Pad Replacement Guide | Example Garage"]
    heads = ["How to replace brake pads at home", "How To Replace Brake Pads At Home"]
    assert choose_title(metas, heads, "Example Garage") == "How to replace brake pads at home"


def test_escaped_entities_in_meta_titles_are_read() -> None:
    html = (
        "<html><head><title>Garden Kneelers &amp;amp; More</title></head>"
        f"<body><article>{BODY}</article></body></html>"
    )
    article = extract(html, url="https://garden.example.org/kneelers")
    assert article is not None and article.title == "Garden Kneelers & More"


def test_an_h1_that_is_whole_parts_of_a_meta_title_is_the_headline() -> None:
    # a short h1 that the meta title continues with a separator and the site's name
    assert choose_title(["Ceasefire | Daily Example Research Service"], ["Ceasefire"], None) == "Ceasefire"
    # the meta title puts the blog's name and a colon before the h1, and a section after it
    metas = ["Example Blog: Envoy meets premier in Beirut : World"]
    assert choose_title(metas, ["Envoy meets premier in Beirut", "Related posts"], None) == (
        "Envoy meets premier in Beirut"
    )
    # an h1 that is the meta title's last part names the site or the book, not the page
    metas = ["What is a truce? - The Example Handbook"]
    assert choose_title(metas, ["The Example Handbook"], None) == "What is a truce?"
    # an h1 that names the site is not the headline, though the meta title starts with it
    metas = ["Daily Example | Envoy meets premier in Beirut"]
    assert (
        choose_title(metas, ["Daily Example", "Latest"], "Daily Example") == "Envoy meets premier in Beirut"
    )


def test_a_documentation_pages_permalink_sign_is_not_part_of_its_title() -> None:
    page = (
        "<html><head><title>Quickstart — Example Documentation (3.1.x)</title></head><body>"
        f'<h1>Quickstart<a class="headerlink" href="#quickstart">¶</a></h1>{BODY}</body></html>'
    )
    article = extract(page, url="https://docs.example.org/quickstart/")
    assert article is not None and article.title == "Quickstart"


def test_a_short_heading_beside_a_meta_title_twice_as_long_is_a_label() -> None:
    metas = ["How to get toddlers to sleep in their own bed | Example Parents"]
    assert choose_title(metas, ["Toddler Sleep Training"], "Example Parents") == (
        "How to get toddlers to sleep in their own bed"
    )
    # a short headline beside a meta title not twice as long is the headline
    metas = ["Biggest tech events of 2026 | Example Parents"]
    assert choose_title(metas, ["Tech events in 2026"], "Example Parents") == "Tech events in 2026"
    # nor is a meta title twice as long only with its subtitle
    metas = ["Top tech events 2026 - the conferences driving the future of innovation"]
    assert choose_title(metas, ["Tech events in 2026"], None) == "Tech events in 2026"


def test_a_line_break_in_the_h1_reads_as_a_space() -> None:
    tree = lxml_html.fromstring(
        "<html><body><h1>Envoy meets premier<br>Talks resume in <b>Beirut</b></h1></body></html>"
    )
    assert headings(tree) == ["Envoy meets premier Talks resume in Beirut"]
