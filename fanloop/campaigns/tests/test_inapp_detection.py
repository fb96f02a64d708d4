"""In-app browsers are recognised from their user agents; real browsers are not."""

from __future__ import annotations

import pytest

from fanloop.campaigns.inapp import detect

from .capture_helpers import INSTAGRAM_UA, SAFARI_UA

IOS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148"
)
ANDROID_WV = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP1A; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/123.0.0.0 Mobile Safari/537.36"
)


@pytest.mark.parametrize(
    ("user_agent", "app"),
    [
        (INSTAGRAM_UA, "Instagram"),
        (f"{ANDROID_WV} Instagram 325.0.0.35.91 Android", "Instagram"),
        (f"{IOS} [FBAN/FBIOS;FBAV/458.0.0.35.108;FBBV/585017584;FBDV/iPhone14,5]", "Facebook"),
        (f"{ANDROID_WV} [FB_IAB/FB4A;FBAV/458.0.0.43.112;]", "Facebook"),
        (f"{IOS} [FBAN/MessengerForiOS;FBAV/450.0.0.36.109]", "Messenger"),
        (f"{ANDROID_WV} [FB_IAB/Orca-Android;FBAV/447.0.0.15.108;]", "Messenger"),
        (f"{IOS} musical_ly_33.6.0 JsSdk/2.0 NetType/WIFI Channel/App Store", "TikTok"),
        (f"{ANDROID_WV} trill_330003 BytedanceWebview/d8a21c6", "TikTok"),
        (f"{IOS} Snapchat/12.80.0.37 (iPhone14,5; iOS 17.4; gzip)", "Snapchat"),
        (f"{IOS} Twitter for iPhone/10.34", "X (Twitter)"),
        (f"{ANDROID_WV} TwitterAndroid", "X (Twitter)"),
        (f"{IOS} [LinkedInApp]/9.29.7924", "LinkedIn"),
        (f"{IOS} Safari Line/14.3.0", "LINE"),
        (f"{IOS} MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN", "WeChat"),
        (f"{IOS} [Pinterest/iOS]", "Pinterest"),
        (ANDROID_WV, "this app"),
    ],
)
def test_it_detects_in_app_browsers(user_agent: str, app: str) -> None:
    assert detect(user_agent) == app


@pytest.mark.parametrize(
    "user_agent",
    [
        SAFARI_UA,
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/123.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.4 Safari/605.1.15",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:124.0) Gecko/20100101 Firefox/124.0",
        # The Google app hands logins to real browser views: deliberately not interrupted.
        f"{IOS} GSA/310.0.622213466 Mobile/15E148 Safari/604.1",
        "",
    ],
)
def test_it_leaves_real_browsers_alone(user_agent: str) -> None:
    assert detect(user_agent) is None
