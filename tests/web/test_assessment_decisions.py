"""Assessing and deciding in a real Chromium on the running system: both assessments, four
eyes, the payment scheduled downstream; a fast-tracked emergency approval ratified after the
second factor is asked again; segregation of duties (no action offered, a forged one refused
and explained); a stale form (If-Match) refused."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect
from support import Api, wait_for
from support.assessment_pages import assessment_case, done, events_about, open_case, submit
from support.browser import Site, new_person, sign_in, signed_in
from support.disbursement_probe import active_payee, create_grant
from support.factories import item

COUNTRY = "BT"  # no other test files a case from Bhutan: the queues filtered on it are short
STEP_UP = "Confirm it is you"


def confirm_if_asked(page: Page, site: Site, user: str) -> bool:
    """The step-up page, if the second factor was given more than five minutes ago."""
    page.wait_for_load_state()
    if page.get_by_role("heading", level=1, name=STEP_UP).count() == 0:
        return False
    page.get_by_label("Code").fill(site.code(user))
    page.get_by_role("button", name="Confirm and continue").click()
    return True


def intake_status(api: Api, case_id: str) -> str:
    response = api.get("intake", f"/cases/{case_id}?personal_data=false", user="caseworker-a")
    assert response.status_code == 200, response.text
    status: str = response.json()["status"]
    return status


def test_two_assessments_then_four_eyes_then_the_payment_is_scheduled(
    page: Page, site: Site, api: Api
) -> None:
    create_grant(api, amount="50000.00")
    active_payee(api, "org-a")
    case_id, reference = submit(
        api, item("medical", "4000.00"), item("legal", "2500.00"), country=COUNTRY
    )

    signed_in(page, site, "medical-1")
    open_case(page, case_id)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Case {reference}")
    page.get_by_label("Recommendation").select_option("support")
    page.get_by_label("Item 1, Medical, in CHF").fill("4000.00")
    page.get_by_label("Notes").fill("Surgery follows the injuries; seen on 14.05.2026.")
    page.get_by_role("button", name="Record the assessment").click()
    expect(page.get_by_role("alert")).to_contain_text("This seems to contain personal data")
    notes = page.get_by_label("Notes")
    expect(notes).to_have_attribute("aria-invalid", "true")
    expect(notes).to_have_value("Surgery follows the injuries; seen on 14.05.2026.")
    assert assessment_case(api, case_id)["assessments"] == [], "nothing was recorded"
    notes.fill("Surgery follows the injuries; the clinic's quote is in line with local prices.")
    page.get_by_role("button", name="Record the assessment").click()
    done(page, "The assessment is recorded.")

    signed_in(page, site, "legal-1")
    open_case(page, case_id)
    page.get_by_label("Recommendation").select_option("support")
    page.get_by_label("Item 2, Legal, in CHF").fill("2500.00")
    page.get_by_role("button", name="Record the assessment").click()
    done(page, "The assessment is recorded.")

    signed_in(page, site, "manager-1")
    open_case(page, case_id)
    expect(page.locator("#assessments")).to_be_visible()
    expect(page.get_by_text("Surgery follows the injuries; the clinic's quote")).to_be_visible()
    expect(page.get_by_label("Item 1, Medical, in CHF")).to_have_value("4000.00")
    page.get_by_role("button", name="Approve", exact=True).click()
    confirm_if_asked(page, site, "manager-1")
    done(page, "Your approval is recorded. Another fund manager must now approve it too.")
    expect(page.get_by_role("button", name="Approve", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Approve as the second fund manager")).to_have_count(0)
    page.goto(f"/queue/decision?country={COUNTRY}")
    row = page.locator("#queue tbody tr", has_text=reference)
    expect(row).to_contain_text("Waiting for a second approval")

    signed_in(page, site, "manager-2")
    open_case(page, case_id)
    first = page.locator("#first-approval")
    expect(first).to_contain_text("Approved by Fund Manager 1")
    expect(first).to_contain_text("CHF4,000.00")
    expect(first).to_contain_text("CHF2,500.00")
    page.get_by_role("button", name="Approve as the second fund manager").click()
    confirm_if_asked(page, site, "manager-2")
    done(page, "The case is approved.")
    approved = wait_for(
        lambda: events_about(api, "vfund.assessment.case.approved", case_id), what="approval"
    )
    assert [e["data"]["decided_by"] for e in approved] == [["manager-1", "manager-2"]]

    wait_for(
        lambda: intake_status(api, case_id) == "payment_scheduled",
        timeout=30,
        what="the payment scheduled downstream",
    )
    page.reload()
    expect(page.locator("dl.facts")).to_contain_text("Payment scheduled")
    expect(page.locator(".history")).to_contain_text("Payment scheduled")


def test_a_fast_tracked_approval_is_ratified_by_another_manager_with_the_second_factor_again(
    page: Page, site: Site, api: Api
) -> None:
    case_id, reference = submit(
        api, item("social", "1500.00"), urgency="emergency", country=COUNTRY
    )
    page.context.clear_cookies()
    sign_in(page, site, "manager-1")  # the second factor given just now: no step-up asked
    open_case(page, case_id)
    page.get_by_role("button", name="Approve", exact=True).click()
    done(page, "The case is approved.")
    expect(page.locator("#decision ~ .panel")).to_contain_text("Fast track")
    expect(page.locator("#decision ~ .panel")).to_contain_text("Ratification due by")
    expect(page.get_by_role("button", name="Ratify")).to_have_count(0)

    page.context.clear_cookies()
    sign_in(page, site, "manager-2")
    page.goto(f"/queue/decision?country={COUNTRY}")
    row = page.locator("#queue tbody tr", has_text=reference)
    expect(row).to_contain_text("Fast track")
    expect(row).to_contain_text("Ratification due")
    row.get_by_role("link").click()
    site.move_clock(5 * 60 + 30)  # five and a half minutes after manager-2 gave the code
    page.get_by_role("button", name="Ratify").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(STEP_UP)
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page.get_by_role("alert")).to_contain_text("This code is not right")
    assert assessment_case(api, case_id)["decision"]["ratification"]["ratified_by"] is None
    page.get_by_label("Code").fill(site.code("manager-2"))
    page.get_by_role("button", name="Confirm and continue").click()
    done(page, "The fast-track approval is ratified.")
    ratification = assessment_case(api, case_id)["decision"]["ratification"]
    assert ratification["ratified_by"] == "manager-2"
    expect(page.locator("#decision ~ .panel")).to_contain_text("Ratified by Fund Manager 2")


def test_the_manager_who_assessed_is_offered_no_decision_and_a_forged_one_is_explained(
    page: Page, browser: Browser, site: Site, api: Api
) -> None:
    person = new_person(browser, site, roles=("Fund manager", "Medical assessor"))
    case_id, _ = submit(api, item("medical", "900.00"), country=COUNTRY)
    context, theirs = person.elsewhere(browser, site)
    try:
        open_case(theirs, case_id)
        theirs.get_by_label("Recommendation").select_option("support")
        theirs.get_by_label("Item 1, Medical, in CHF").fill("900.00")
        theirs.get_by_role("button", name="Record the assessment").click()
        done(theirs, "The assessment is recorded.")
        assert assessment_case(api, case_id)["status"] == "awaiting_decision"
        for name in ("Approve", "Reject"):
            expect(theirs.get_by_role("button", name=name, exact=True)).to_have_count(0)

        signed_in(page, site, "manager-1")
        open_case(page, case_id)
        for name in ("Approve", "Reject"):
            expect(page.get_by_role("button", name=name, exact=True)).to_have_count(1)

        token = theirs.locator("input[name=csrf_token]").first.get_attribute("value") or ""
        version = theirs.locator("input[name=version]").first.get_attribute("value") or ""
        answer = theirs.request.post(
            f"/assessment/cases/{case_id}/decision",
            form={
                "csrf_token": token,
                "version": version,
                "decision": "approve",
                "approved_items.0.item_id": "item-1",
                "approved_items.0.amount": "900.00",
                "approved_items.0.currency": "CHF",
            },
        )
        assert answer.status == 403
        assert "You took part in assessing this case: another fund manager must decide it." in (
            answer.text()
        )
        assert assessment_case(api, case_id)["status"] == "awaiting_decision"
    finally:
        context.close()


def test_a_form_made_from_a_version_since_changed_is_refused_and_the_case_shown_anew(
    page: Page, site: Site, api: Api
) -> None:
    case_id, _ = submit(api, item("medical", "700.00"), country=COUNTRY)
    signed_in(page, site, "medical-1")
    open_case(page, case_id)
    meanwhile = api.post(
        "assessment",
        f"/cases/{case_id}/medical-assessment",
        user="medical-1",
        json={"recommendation": "more_information", "recommended_items": [], "notes": "first"},
    )
    assert meanwhile.status_code == 201, meanwhile.text
    page.get_by_label("Recommendation").select_option("decline")
    page.get_by_role("button", name="Record the assessment").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Someone changed this meanwhile. Here is what it is now."
    )
    expect(page.locator("#assessments ~ .record").first).to_contain_text("More information needed")
    recorded = assessment_case(api, case_id)["assessments"]
    assert [a["recommendation"] for a in recorded] == ["more_information"]
