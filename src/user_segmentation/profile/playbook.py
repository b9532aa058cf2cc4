"""Suggested marketing actions per segment name: a playbook people can edit.

The built-in :data:`DEFAULT_PLAYBOOK` maps every RFM grid name
(:data:`~user_segmentation.profile.names.RFM_NAMES`) and the common trait words of
:data:`~user_segmentation.profile.names.TRAIT_WORDS` to one suggested action, with a
``default`` entry for anything else. A team replaces or extends it with a YAML file of
``name: action`` lines, read by :func:`load_playbook`::

    # my_playbook.yaml
    At risk: "Call within 48 hours; offer free shipping on the next order"
    Bargain hunters: "Outlet preview one day before the public sale"

:func:`suggest_actions` then gives each segment an action: by its full name, else by its
base name (a disambiguated "At risk · High spend" uses "At risk"), else by the first of its
trait words found, else the ``default`` action. Matching ignores case and surrounding
spaces.

The defaults are kept here as data (not in a separate file) so that they ship with the
module however the package is installed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from user_segmentation.errors import ConfigError
from user_segmentation.profile.names import SEPARATOR, base_name

logger = logging.getLogger(__name__)

#: Key of the action for segments that match no other entry.
DEFAULT_KEY = "default"

#: The built-in playbook: segment name (or trait word) → suggested action.
DEFAULT_PLAYBOOK: dict[str, str] = {
    # RFM grid names
    "Champions": "Reward them: early access, loyalty perks, ask for reviews and referrals",
    "Loyal": "Upsell higher-value products, invite to the loyalty programme, ask for reviews",
    "Potential loyalist": "Offer membership or a loyalty programme; recommend related products",
    "New": "Onboarding series: welcome, how-to content, a second-order incentive",
    "Promising": "Build awareness: brand content and a free-shipping trial on the next order",
    "Need attention": "Limited-time offer based on past purchases; reactivate before they slip",
    "About to sleep": "Share popular products and a modest discount; reconnect by email",
    "At risk": "Win-back offer: personalised discount within 7 days; ask what went wrong",
    "Can't lose them": "Personal outreach: call or write, renewal offer, show what is new",
    "Hibernating": "Low-cost reactivation: relevant products, a seasonal offer, then pause",
    "Lost": "One last win-back campaign; otherwise stop spending on them",
    # Trait words, for segments named by their traits
    "Recent": "Follow up while interest is fresh: complementary products, a review request",
    "Lapsed": "Win-back sequence: reminder, then an incentive, then a survey",
    "Frequent": "Subscription or replenishment offer; reward the habit with loyalty points",
    "Infrequent": "Remind at the moments they bought before; seasonal reminders",
    "High spend": "VIP treatment: premium service, exclusive previews, personal contact",
    "Low spend": "Bundles and thresholds for free shipping to raise basket size",
    "Big baskets": "Premium range, financing and extended warranty offers",
    "Small baskets": "Cross-sell add-ons and bundles at checkout",
    "Frequent returners": "Better size and fit guidance; review the returns policy cost",
    "Active online": "Personalised on-site recommendations and retargeting",
    "Heavy browsers": "Abandoned-browse reminders and a first-purchase incentive",
    "Cart fillers": "Abandoned-cart reminders with a time-limited incentive",
    "Email readers": "Keep them in the newsletter; test richer content and exclusive offers",
    "Email clickers": "Email-first promotions: flash sales and personalised picks",
    "Ignore email": "Reach them on other channels; reduce email frequency",
    "Newcomers": "Onboarding series: welcome, how-to content, a second-order incentive",
    "Long-standing": "Thank them for their loyalty: anniversary reward",
    "Support-heavy": "Proactive service: check in after purchases; fix recurring issues",
    "Dissatisfied": "Service recovery: personal follow-up and a goodwill gesture",
    "Points-rich": "Remind them to spend their points; points-multiplier events",
    DEFAULT_KEY: "Review the profile; test a tailored offer against a control group",
}


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def validate_playbook(data: Any, source: str) -> dict[str, str]:
    """Check that ``data`` is a mapping of non-empty names to non-empty actions.

    Parameters
    ----------
    data
        What a playbook file held (parsed YAML).
    source
        Where it came from, for messages (a file path).

    Raises
    ------
    ConfigError
        Naming ``source`` and the offending key.

    Examples
    --------
    >>> validate_playbook({"At risk": "Call them"}, "my.yaml")
    {'At risk': 'Call them'}
    >>> validate_playbook({"At risk": ""}, "my.yaml")
    Traceback (most recent call last):
    ...
    user_segmentation.errors.ConfigError: my.yaml: key 'At risk': the action is empty; give a non-empty text
    """  # noqa: E501
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ConfigError(
            f"{source}: a playbook must be a mapping of 'segment name: action' lines, "
            f"found {type(data).__name__}"
        )
    out: dict[str, str] = {}
    for key, value in data.items():
        if not isinstance(key, str) or not key.strip():
            raise ConfigError(
                f"{source}: key {key!r}: segment names must be non-empty text "
                "(quote names such as 'yes', 'no' or numbers)"
            )
        if not isinstance(value, str):
            raise ConfigError(
                f"{source}: key {key!r}: the action must be text, "
                f"found {type(value).__name__} {value!r}"
            )
        if not value.strip():
            raise ConfigError(f"{source}: key {key!r}: the action is empty; give a non-empty text")
        out[key.strip()] = value.strip()
    seen: dict[str, str] = {}
    for key in out:
        if _key(key) in seen:
            raise ConfigError(
                f"{source}: keys {seen[_key(key)]!r} and {key!r} name the same segment "
                "(names ignore case and spacing)"
            )
        seen[_key(key)] = key
    return out


def load_playbook(path: str | Path | None = None) -> dict[str, str]:
    """The playbook: the built-in one, overridden and extended by a user's YAML file.

    Parameters
    ----------
    path
        A YAML file of ``segment name: action`` lines. Its entries replace the built-in
        ones with the same name (ignoring case and spacing) and add the others. ``None``
        gives the built-in playbook.

    Returns
    -------
    dict
        ``{name: action}``, always with a :data:`DEFAULT_KEY` entry.

    Raises
    ------
    ConfigError
        If the file is missing, unreadable, not valid YAML (with its line), not a mapping,
        or has a key or action that is not non-empty text (naming the file and the key).

    Examples
    --------
    >>> load_playbook()["At risk"]
    'Win-back offer: personalised discount within 7 days; ask what went wrong'
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "playbook.yaml"
    >>> _ = p.write_text("at risk: Call them\\nBargain hunters: Outlet preview\\n")
    >>> book = load_playbook(p)
    >>> book["at risk"], book["Bargain hunters"], "At risk" in book
    ('Call them', 'Outlet preview', False)
    """
    book = dict(DEFAULT_PLAYBOOK)
    if path is None:
        return book
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"{file}: playbook file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot read the playbook ({exc})") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{file}: not valid YAML{where}: {problem}") from exc
    user = validate_playbook(data, str(file))
    by_key = {_key(k): k for k in book}
    for key, action in user.items():
        old = by_key.get(_key(key))
        if old is not None:
            del book[old]
        book[key] = action
        by_key[_key(key)] = key
    logger.info("playbook %s: %d entries over the built-in %d", file, len(user), len(by_key))
    return book


def suggest_actions(names: Mapping[int, str], playbook: Mapping[str, str]) -> dict[int, str]:
    """One suggested action per segment, looked up by name in ``playbook``.

    The lookup tries the full name, then its base name (without the " · …" suffix or
    " #id" that made it unique), then each " · "-separated part in order (trait names),
    then the ``default`` entry. Case and spacing are ignored.

    Parameters
    ----------
    names
        ``{segment: name}``, e.g. from :func:`~user_segmentation.profile.names.rfm_segment_names`.
    playbook
        ``{name: action}``, e.g. from :func:`load_playbook`.

    Returns
    -------
    dict
        ``{segment: action}``; a segment with no match and no ``default`` entry maps to "".

    Examples
    --------
    >>> book = {"At risk": "Win back", "Frequent": "Subscribe", "default": "Test offers"}
    >>> suggest_actions({1: "At risk · High spend", 2: "Recent · Frequent", 3: "Odd"}, book)
    {1: 'Win back', 2: 'Subscribe', 3: 'Test offers'}
    """
    lookup = {_key(k): v for k, v in playbook.items()}
    out: dict[int, str] = {}
    for seg, name in sorted(names.items()):
        parts = [base_name(part) for part in name.split(SEPARATOR)]
        tries = [name, base_name(name), *parts]
        action = next((lookup[_key(t)] for t in tries if _key(t) in lookup), None)
        if action is None:
            action = lookup.get(DEFAULT_KEY, "")
        out[seg] = action
    return out
