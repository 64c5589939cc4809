//! The demo's notes and tasks, with the edge cases a history migration meets: a note the
//! target already holds (copied by hand, whitespace changed), a long note with unicode and
//! markdown, notes by a user who has left (no target user), a note on a source duplicate and
//! on a contact with neither email nor phone, a completed task, a task assigned to the user who
//! has left, a task the target already has, and routine history on generated contacts.

use super::kit::Kit;
use ghl_migrate::model::{Account, Contact, Note, Task};

/// The long note: markdown, several scripts, emoji, about 1,500 characters.
pub const LONG_NOTE: &str = "## Kick-off call — summary\n\n\
__Attendees__: 李雷 (client), Ava Thompson, Marcus Reed\n\n\
1. Scope: migrate the _whole_ CRM, including notes & tasks.\n\
2. Budget: €12 500 (≈ ¥98 000), approved by the board on 2024-02-01.\n\
3. Risks:\n   - data loss on the `legacy_id` field\n   - duplicate contacts (Zoë vs Zoe)\n\n\
> « On ne peut pas perdre l'historique » — the client's words.\n\n\
| Item | Owner | Due |\n|---|---|---|\n| Export | 李雷 | 03-01 |\n| Review | Ava | 03-08 |\n\n\
Next steps: send the proposal 📄, book the follow-up 📞, check the Ελληνικά and \
Русский translations, and confirm the تاريخ (date) with the Arabic-speaking team. \
This paragraph repeats the scope in detail so that the note is long enough to be cut \
in every one-line rendering: the reviewer must see its start and its length, never the \
whole text on one line, while the plan file keeps every character, byte for byte, \
including the trailing newline of the table above and the emoji. ✅";

/// The note the target already holds on olivia.martin@example.com (copied by hand).
pub const COPIED_NOTE: &str = "Prefers calls after 3pm.\nAsked for the annual plan pricing.";

/// Adds the notes and tasks to both demo accounts.
pub fn fill(source: &mut Account, target: &mut Account, kits: (&Kit, &Kit)) {
    let (src, tgt) = kits;
    let user = |email: &str| {
        source
            .users
            .iter()
            .find(|u| u.email.as_deref() == Some(email))
            .map(|u| u.id.clone())
    };
    let ava = user("ava.thompson@acme.test");
    let marcus = user("marcus.reed@acme.test");
    let olaf = user("olaf.berg@acme.test");
    let by_email = |account: &Account, email: &str| -> String {
        find(account, |c| {
            c.email
                .as_deref()
                .is_some_and(|e| e.trim().eq_ignore_ascii_case(email))
        })
    };
    let olivia = by_email(source, "olivia.martin@example.com");
    let li = by_email(source, "li.lei@example.net");
    let grace = by_email(source, "grace.walker@acme.test");
    let ken = by_email(source, "ken.adams@example.com");
    let jordan_dup = find(source, |c| {
        c.email.as_deref() == Some("Jordan.Lee@ACME.test")
    });
    let walk_in = find(source, |c| c.first_name.as_deref() == Some("Walk-in"));
    let mut notes = vec![
        note(
            src,
            &olivia,
            "  Prefers calls after 3pm.\r\nAsked for the annual plan pricing. ",
            &ava,
            "2023-11-02T15:04:05.000Z",
        ),
        note(
            src,
            &olivia,
            "Renewal discussed; wants a quote by Friday.",
            &marcus,
            "2024-01-15T10:30:00.000Z",
        ),
        note(src, &li, LONG_NOTE, &ava, "2024-02-20T08:00:00.000Z"),
        note(
            src,
            &grace,
            "Left a voicemail. Will try again next week.",
            &olaf,
            "2022-06-30T17:45:00.000Z",
        ),
        note(
            src,
            &jordan_dup,
            "Met at the webinar; interested in the SEO package.",
            &None,
            "2024-04-04T12:00:00.000Z",
        ),
        note(
            src,
            &walk_in,
            "Walked in asking about pricing; left no contact details.",
            &marcus,
            "2024-05-05T09:15:00.000Z",
        ),
    ];
    let mut tasks = vec![
        task(
            src,
            &olivia,
            "Send the annual plan quote",
            "2024-01-19T17:00:00.000Z",
            true,
            &ava,
        ),
        task(
            src,
            &olivia,
            "Renewal check-in call",
            "2024-12-01T15:00:00.000Z",
            false,
            &marcus,
        ),
        task(
            src,
            &ken,
            "Call back about the phone system",
            "2024-07-01T09:00:00.000Z",
            false,
            &olaf,
        ),
        task(
            src,
            &grace,
            "Send the onboarding pack",
            "2024-03-10T12:00:00.000Z",
            false,
            &ava,
        ),
        task(
            src,
            &li,
            "Translate the proposal",
            "2024-03-01T09:00:00.000Z",
            true,
            &None,
        ),
    ];
    tasks[3].body = Some("PDF and the welcome video link.".into());
    // Routine history on some generated contacts: every 9th has a note, every 14th a task.
    // (The placed contacts come first; the generated ones follow from index 60 on.)
    let generated: Vec<(usize, String)> = source
        .contacts
        .iter()
        .enumerate()
        .skip(60)
        .map(|(i, c)| (i, c.id.clone()))
        .collect();
    for (i, id) in &generated {
        let author = [&ava, &marcus, &olaf][(i / 7) % 3];
        if i % 9 == 0 {
            let day = 1 + i % 28;
            notes.push(note(
                src,
                id,
                &format!("Follow-up #{i}: interested, call again."),
                author,
                &format!("2024-08-{day:02}T10:00:00.000Z"),
            ));
        }
        if i % 14 == 0 {
            let day = 1 + i % 28;
            tasks.push(task(
                src,
                id,
                &format!("Follow up with lead #{i}"),
                &format!("2025-01-{day:02}T09:00:00.000Z"),
                i % 28 == 0,
                author,
            ));
        }
    }
    source.notes = notes;
    source.tasks = tasks;
    // The target: Olivia already has the hand-copied note, a note of her own and the quote task.
    let olivia_t = by_email(target, "olivia.martin@example.com");
    target.notes = vec![
        note(
            tgt,
            &olivia_t,
            COPIED_NOTE,
            &None,
            "2025-06-01T09:00:00.000Z",
        ),
        note(
            tgt,
            &olivia_t,
            "Parent account: key client, handle with care.",
            &None,
            "2025-06-02T09:00:00.000Z",
        ),
    ];
    target.tasks = vec![task(
        tgt,
        &olivia_t,
        "Send the annual plan quote",
        "2024-01-19T17:00:00.000Z",
        true,
        &None,
    )];
}

fn find(account: &Account, pred: impl Fn(&Contact) -> bool) -> String {
    account
        .contacts
        .iter()
        .find(|c| pred(c))
        .map(|c| c.id.clone())
        .expect("the demo holds this contact")
}

fn note(kit: &Kit, contact: &str, body: &str, user: &Option<String>, date: &str) -> Note {
    Note {
        id: kit.id("note", &format!("{contact}/{body}")),
        contact_id: contact.to_string(),
        body: body.to_string(),
        user_id: user.clone(),
        date_added: Some(date.to_string()),
    }
}

fn task(
    kit: &Kit,
    contact: &str,
    title: &str,
    due: &str,
    completed: bool,
    user: &Option<String>,
) -> Task {
    Task {
        id: kit.id("task", &format!("{contact}/{title}")),
        contact_id: contact.to_string(),
        title: title.to_string(),
        body: None,
        assigned_to: user.clone(),
        due_date: Some(due.to_string()),
        completed,
    }
}
