"""Functions run by the real RQ worker in `cleanup_rq.rs`."""


def count_words(text):
    return len(text.split())


def parse_feed(url):
    raise RuntimeError(f"feed {url} returned HTTP 502")
