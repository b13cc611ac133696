"""Invitations e-mailed (contract sections 7 and 10): the link shown once to the inviter also
goes, once, to the invitee's address through the mail outbox and the session's SMTP sink, in the
invitee's language; the mailed link activates the account; a new link is mailed again and the
first one is dead; an organisation's admin's invitations are mailed too."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Browser, Page, expect
from support import query, wait_for
from support.browser import Site, activate, check_accessible, new_page, signed_in
from support.mail import Mail, mails_to, wait_mail

from dev.stack import Stack
from services.web.commands import new_token
from services.web.credentials import Sealer
from services.web.i18n import I18n
from services.web.keys import Keys
from services.web.messages import ROLE_LABELS
from services.web.settings import WebSettings

SUBJECTS = {
    "en": "vfund: your invitation",
    "fr": "vfund: votre invitation",
    "es": "vfund: su invitación",
    "ar": "vfund: دعوتك",
}
LINK = re.compile(r"https?://\S+/invitation/[\w-]{20,}")


def mailed_link(mail: Mail, site: Site) -> str:
    """The one link of the e-mail: the same in the text and the HTML, the token nowhere else."""
    links = set(LINK.findall(mail.text))
    assert len(links) == 1, links
    link = links.pop()
    assert link.startswith(site.url + "/invitation/"), link
    assert re.findall(r'href="([^"]+)"', mail.html) == [link]
    token = link.rsplit("/", 1)[1]
    for body in (mail.text, mail.html):
        assert token not in body.replace(link, "")
    assert token not in mail.subject and token not in mail.message_id
    return link


def invite_in_english(
    page: Page, site: Site, *, username: str, email: str, language: str = "", as_user: str
) -> str:
    """Through /admin/users in English; returns the link shown once (and says it was mailed)."""
    signed_in(page, site, as_user)
    page.goto("/admin/users")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Name", exact=True).fill(f"Person {username}")
    page.get_by_label("E-mail").fill(email)
    if language:
        page.get_by_label("Their language").select_option(language)
    page.get_by_label("Caseworker", exact=True).check()
    if as_user == "admin-1":
        page.get_by_label("Organisation", exact=True).select_option("org-a")
    page.get_by_role("button", name="Invite").click()
    expect(page.get_by_role("heading", name="Invitation ready")).to_be_visible()
    expect(page.get_by_text(f"The link was also e-mailed to {email}.")).to_be_visible()
    check_accessible(page)
    return page.locator(".panel .secret").inner_text().strip()


def no_names(mail: Mail, username: str) -> None:
    """The invitee's own address as the recipient, and nothing else of a person."""
    assert username not in mail.everything.replace(mail.to, "")
    assert f"Person {username}" not in mail.everything


def test_an_admins_invitation_is_mailed_once_and_its_link_activates_the_account(
    page: Page, browser: Browser, site: Site, stack: Stack
) -> None:
    tag = uuid.uuid4().hex[:8]
    username, email = f"mailed-{tag}", f"mailed-{tag}@partner.example"
    shown = invite_in_english(page, site, username=username, email=email, as_user="admin-1")
    mail = wait_mail(stack, email)
    # No language chosen for the account: the inviter's page language.
    assert (mail.language, mail.subject) == ("en", SUBJECTS["en"])
    assert "You are invited to vfund" in mail.text
    link = mailed_link(mail, site)
    assert link == shown
    no_names(mail, username)
    # The mailed link is the one that works: followed in a browser of the invitee's own.
    context, newcomer, console = new_page(browser, site)
    try:
        activate(newcomer, site, link, f"a long pass phrase {tag}")
        expect(newcomer.get_by_role("heading", level=1)).to_have_text(f"Welcome, Person {username}")
        newcomer.context.clear_cookies()
        newcomer.goto(link)
        expect(newcomer.get_by_text("This invitation link is no longer valid")).to_be_visible()
        assert not console.errors, console.errors
    finally:
        context.close()
    status = query(site.dsn, "SELECT status FROM accounts WHERE username = $1", username)
    assert status[0][0] == "active"
    # Sent once: still one e-mail, its outbox row done and its sealed link wiped.
    assert len(mails_to(stack, email)) == 1
    rows = query(
        site.dsn,
        "SELECT m.sent_at, m.link_sealed, m.attempts FROM invitation_mail m"
        " JOIN accounts a USING (account_id) WHERE a.username = $1",
        username,
    )
    assert len(rows) == 1 and rows[0]["sent_at"] is not None
    assert rows[0]["link_sealed"] is None and rows[0]["attempts"] == 1


def test_a_new_link_is_mailed_in_the_accounts_language_and_the_first_link_dies(
    page: Page, browser: Browser, site: Site, stack: Stack
) -> None:
    tag = uuid.uuid4().hex[:8]
    username, email = f"again-{tag}", f"again-{tag}@partner.example"
    first_shown = invite_in_english(
        page, site, username=username, email=email, language="ar", as_user="admin-1"
    )
    first = wait_mail(stack, email)
    # The language chosen for the account, not the inviter's English.
    assert (first.language, first.subject) == ("ar", SUBJECTS["ar"])
    assert "أنت مدعو إلى vfund" in first.text and "You are invited" not in first.text
    assert 'dir="rtl"' in first.html
    first_link = mailed_link(first, site)
    assert first_link == first_shown
    no_names(first, username)

    account_id = query(site.dsn, "SELECT account_id FROM accounts WHERE username = $1", username)[
        0
    ][0]
    page.goto(f"/admin/users/{account_id}")
    page.get_by_role("button", name="Make a new invitation link").click()
    expect(page.get_by_role("heading", name="Invitation ready")).to_be_visible()
    expect(page.get_by_text(f"The link was also e-mailed to {email}.")).to_be_visible()
    second_shown = page.locator(".panel .secret").inner_text().strip()
    check_accessible(page)

    second = wait_mail(stack, email, second_shown)
    assert second.message_id != first.message_id
    assert (second.language, second.subject) == ("ar", SUBJECTS["ar"])
    second_link = mailed_link(second, site)
    assert second_link == second_shown != first_link
    assert len(mails_to(stack, email)) == 2

    context, newcomer, console = new_page(browser, site)
    try:
        newcomer.goto(first_link)
        expect(newcomer.get_by_text("This invitation link is no longer valid")).to_be_visible()
        assert newcomer.get_by_label("Password", exact=True).count() == 0
        newcomer.goto(second_link)
        expect(newcomer.get_by_label("Password", exact=True)).to_be_visible()
        assert not console.errors, console.errors
    finally:
        context.close()


def test_an_organisation_admins_invitation_is_mailed_in_its_page_language(
    page: Page, browser: Browser, site: Site, stack: Stack
) -> None:
    # A session of the organisation's admin, then its pages in French (its browser asks for
    # French; the account has no language of its own).
    signed_in(page, site, "orgadmin-a")
    french = I18n().choose("fr")
    context, admin, console = new_page(browser, site, language="fr")
    try:
        admin.context.add_cookies(site.states["orgadmin-a"])
        admin.goto("/admin/users")
        expect(admin.locator("html")).to_have_attribute("lang", "fr")
        tag = uuid.uuid4().hex[:8]
        username, email = f"orgcw-{tag}", f"orgcw-{tag}@partner.example"
        admin.get_by_label(french.gettext("Username")).fill(username)
        admin.get_by_label(french.gettext("Name"), exact=True).fill(f"Person {username}")
        admin.get_by_label(french.gettext("E-mail")).fill(email)
        admin.get_by_label(french.gettext(ROLE_LABELS["caseworker"]), exact=True).check()
        admin.get_by_role("button", name=french.gettext("Invite")).click()
        expect(admin.get_by_text("Le lien a aussi été envoyé par courriel")).to_be_visible()
        shown = admin.locator(".panel .secret").inner_text().strip()
        check_accessible(admin)
        assert not console.errors, console.errors
    finally:
        context.close()
    mail = wait_mail(stack, email)
    assert (mail.language, mail.subject) == ("fr", SUBJECTS["fr"])
    assert "Vous êtes invité à rejoindre vfund" in mail.text and "You are invited" not in mail.text
    assert mailed_link(mail, site) == shown
    no_names(mail, username)
    org = query(site.dsn, "SELECT org_id FROM accounts WHERE username = $1", username)[0][0]
    assert org == "org-a"


def test_an_e_mail_whose_link_died_before_it_went_is_never_sent(site: Site, stack: Stack) -> None:
    """Queued, then the link replaced or expired before the mailer took it (the SMTP server
    away meanwhile, say): the mailer gives it up, wipes the sealed link, sends nothing."""
    assert stack.keys is not None
    keys = Keys.from_settings(WebSettings(web_token_key=stack.keys.web_private))
    sealer = Sealer(keys.links)
    tag = uuid.uuid4().hex[:8]
    account_id, email = f"dead-{tag}", f"dead-{tag}@partner.example"
    query(
        site.dsn,
        "INSERT INTO accounts (account_id, username, display_name, email, roles, status,"
        " created_at, updated_at) VALUES ($1, $1, $1, $2, '{auditor}', 'invited', now(), now())",
        account_id,
        email,
    )
    dead = {
        "replaced": "now() + interval '48 hours', now()",
        "expired": "now() - interval '1 minute', NULL",
    }
    for why, expires_at_and_used_at in dead.items():
        token, hashed = new_token()
        query(
            site.dsn,
            "INSERT INTO invitations (token_hash, account_id, created_by, created_at, expires_at,"
            f" used_at) VALUES ($1, $2, 'admin-1', now(), {expires_at_and_used_at})",
            hashed,
            account_id,
        )
        query(
            site.dsn,
            "INSERT INTO invitation_mail (token_hash, account_id, message_id, recipient, language,"
            " link_sealed, created_at, next_attempt_at)"
            " VALUES ($1, $2, $3, $4, 'en', $5, now(), now())",
            hashed,
            account_id,
            f"<{why}-{tag}@vfund.invalid>",
            email,
            sealer.seal(f"{site.url}/invitation/{token}", account_id=account_id),
        )
    query(site.dsn, "SELECT pg_notify('vfund_web_mail', '')")
    rows = wait_for(
        lambda: (
            (
                r := query(
                    site.dsn,
                    "SELECT last_error, link_sealed, sent_at FROM invitation_mail"
                    " WHERE account_id = $1 AND failed_at IS NOT NULL",
                    account_id,
                )
            )
            and len(r) == 2
            and r
        ),
        what="both e-mails given up",
    )
    assert {(r["last_error"], r["link_sealed"], r["sent_at"]) for r in rows} == {
        ("link-dead", None, None)
    }
    assert mails_to(stack, email) == []
