"""User-agent checks for the event log: known bots and link previewers, device class.

Deliberately a short list of signatures, not a device database: it drops the
crawlers, link unfurlers and HTTP libraries that hit shared links most.
"""

from __future__ import annotations

import functools
import re

from fanloop.analytics.models import DeviceClass

BOT_SIGNATURES = (
    # Search engines and SEO crawlers.
    "googlebot", "google-inspectiontool", "adsbot-google", "mediapartners-google",
    "bingbot", "bingpreview", "yandex.com/bots", "baiduspider", "duckduckbot", "applebot",
    "petalbot", "semrush", "ahrefs", "mj12bot", "dotbot", "seznambot",
    # Link previews that fetch a page when a link is pasted in a chat or a post.
    "facebookexternalhit", "facebookcatalog", "meta-externalagent", "twitterbot",
    "slackbot", "slack-imgproxy", "discordbot", "whatsapp", "telegrambot",
    "linkedinbot", "pinterestbot", "redditbot", "embedly", "skypeuripreview",
    "vkshare", "iframely", "mastodon/", "bluesky", "cardyb",
    # Scripts, HTTP libraries, headless browsers, monitors.
    "curl/", "wget/", "python-requests", "python-urllib", "python-httpx", "aiohttp",
    "httpx", "go-http-client", "okhttp", "java/", "libwww", "scrapy", "node-fetch",
    "axios/", "undici", "headlesschrome", "phantomjs", "lighthouse", "pingdom",
    "uptimerobot", "statuscake",
)  # fmt: skip

# Generic words after the list. "cubot" is a phone brand, not a bot. In-app
# browsers of Instagram, Facebook, Snapchat or Pinterest are real fans and do not match.
_GENERIC_BOT_RE = re.compile(r"(?<!cu)bot\b|crawl|spider|slurp")
_TABLET_WORDS = ("ipad", "tablet", "kindle", "silk/", "playbook")
_MOBILE_WORDS = ("mobi", "iphone", "ipod", "android", "windows phone", "blackberry", "opera mini")

# Plain substring tests on the lowercased string, cached per user agent: a few
# browser versions make most traffic, and one big regex cost ~100 µs per hit.


@functools.lru_cache(maxsize=4096)
def is_bot(user_agent: str) -> bool:
    ua = user_agent.lower()
    return any(s in ua for s in BOT_SIGNATURES) or _GENERIC_BOT_RE.search(ua) is not None


@functools.lru_cache(maxsize=4096)
def device_class(user_agent: str) -> str:
    ua = user_agent.lower()
    if any(w in ua for w in _TABLET_WORDS) or ("android" in ua and "mobile" not in ua):
        return DeviceClass.TABLET
    if any(w in ua for w in _MOBILE_WORDS):
        return DeviceClass.MOBILE
    return DeviceClass.DESKTOP
