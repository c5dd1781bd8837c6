//! `report.md`: the per-kind table, what needs attention, then every object (read back from
//! disk one at a time, so the document is never all in memory).

use std::io::Write;

use super::{KindSummary, RunReport};

impl RunReport {
    /// Writes the report in Markdown to `w`. A read-back error of the objects comes out as an
    /// I/O error.
    pub fn write_markdown<W: Write>(&self, w: &mut W) -> std::io::Result<()> {
        let title = match (self.dry_run, self.history.len()) {
            (true, _) => "Plan".to_string(),
            (false, 0) => "Migration report".to_string(),
            (false, n) => format!("Migration report (the whole migration: {n} runs)"),
        };
        writeln!(w, "# {title}: {} → {}\n", self.source, self.target)?;
        writeln!(
            w,
            "Started {}, finished {}.\n",
            self.started_at, self.finished_at
        )?;
        if !self.history.is_empty() {
            w.write_all(
                b"Every object the ledger knows, with its latest status and what the migration \
                  did to it over all runs (an object it created stays `created`); the detail is \
                  from the run that last processed it. Each run's own report: `runs/<n>/report.md`.\n\n",
            )?;
        }
        if let Some(a) = &self.aborted {
            writeln!(w, "**Aborted:** {a}\n")?;
        }
        self.write_kinds(w)?;
        self.write_attention(w)?;
        self.write_lost(w)?;
        self.write_translations(w)?;
        self.write_manual(w)?;
        self.write_runs(w)?;
        self.write_every_object(w)
    }

    /// The runs of the migration, the latest first (none in a run's own report).
    fn write_runs<W: Write>(&self, w: &mut W) -> std::io::Result<()> {
        if self.history.is_empty() {
            return Ok(());
        }
        writeln!(w, "\n## Runs ({})\n", self.history.len())?;
        w.write_all(b"| run | started | finished | selection | counts |\n|---|---|---|---|---|\n")?;
        for row in super::migration::history_rows(&self.history) {
            writeln!(w, "{row}")?;
        }
        Ok(())
    }

    /// The per-kind table, with the totals row, and the objects not re-read.
    fn write_kinds<W: Write>(&self, w: &mut W) -> std::io::Result<()> {
        w.write_all(
            b"Times: a kind's is the wall time from its start to its last object, waiting for \
              rate limits included; kinds run at the same time, so they overlap. The total is \
              the run's wall time.\n\n",
        )?;
        w.write_all(b"| kind | phase | total | created | updated | unchanged | skipped | failed | conflicts | wall ms |\n")?;
        w.write_all(b"|---|---|---|---|---|---|---|---|---|---|\n")?;
        let mut rows: Vec<(String, &KindSummary)> = self
            .kinds
            .iter()
            .map(|k| (k.phase.to_string(), k))
            .collect();
        let totals = self.totals();
        rows.push((String::new(), &totals));
        for (phase, k) in &rows {
            writeln!(
                w,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                k.kind,
                phase,
                k.total,
                k.created,
                k.updated,
                k.unchanged,
                k.skipped,
                k.failed,
                k.conflicts,
                k.millis
            )?;
        }
        let not_reread = self.log.not_reread;
        if not_reread > 0 {
            writeln!(
                w,
                "\n**Not re-read:** {not_reread} objects are unchanged in the source since the last \
                 run and were not read from the target, so a change made there by hand is not \
                 seen: `brickport verify` checks the target, `brickport migrate --recheck` \
                 repairs it."
            )?;
        }
        Ok(())
    }

    /// The missing dependencies, and the objects failed, skipped, in conflict or with dropped
    /// attributes.
    fn write_attention<W: Write>(&self, w: &mut W) -> std::io::Result<()> {
        if !self.missing_dependencies.is_empty() {
            w.write_all(b"\n## Missing dependencies\n\n")?;
            for m in &self.missing_dependencies {
                writeln!(w, "- {m}")?;
            }
            let waiting = self.waiting_for_dependencies().len();
            if waiting > 0 {
                writeln!(
                    w,
                    "\n**Not migrated:** {waiting} selected objects were skipped because they \
                     need these kinds; migrate them first, then run again."
                )?;
            }
        }
        // An object is notable for its translations alone: those are the next section's.
        let notable: Vec<_> = self
            .notable()
            .iter()
            .filter(|o| super::spill::needs_attention(o))
            .collect();
        if !notable.is_empty() {
            w.write_all(b"\n## Failed, skipped, in conflict, or with dropped attributes\n\n")?;
            w.write_all(
                b"| kind | object | outcome | detail | dropped |\n|---|---|---|---|---|\n",
            )?;
            for o in notable {
                writeln!(
                    w,
                    "| {} | `{}` | {} | {} | {} |",
                    o.kind,
                    o.key,
                    o.outcome.as_str(),
                    md_cell(o.detail.as_deref().unwrap_or("")),
                    md_cell(&o.dropped.join(", "))
                )?;
            }
        }
        Ok(())
    }

    /// Every reference and grant lost (what it names was left out of the migration or
    /// failed): the run is not a success while there is one.
    fn write_lost<W: Write>(&self, w: &mut W) -> std::io::Result<()> {
        let n = self.lost_count();
        if n == 0 {
            return Ok(());
        }
        writeln!(
            w,
            "\n## Lost references and grants ({n})\n\nDropped because what they name was left \
             out of the migration (`--only`/`--skip`) or failed: migrate it (or fix it), then run \
             again.\n"
        )?;
        w.write_all(b"| kind | object | lost |\n|---|---|---|\n")?;
        for o in self.lost() {
            for l in &o.lost {
                writeln!(w, "| {} | `{}` | {} |", o.kind, md_cell(&o.key), md_cell(l))?;
            }
        }
        Ok(())
    }

    /// Every value written in place of the source's: object, field, from, to, why.
    fn write_translations<W: Write>(&self, w: &mut W) -> std::io::Result<()> {
        let objs: Vec<_> = self
            .notable()
            .iter()
            .filter(|o| !o.translated.is_empty())
            .collect();
        if objs.is_empty() {
            return Ok(());
        }
        let n: usize = objs.iter().map(|o| o.translated.len()).sum();
        writeln!(w, "\n## Translations ({n})\n")?;
        w.write_all(b"| kind | object | field | from | to | why |\n|---|---|---|---|---|---|\n")?;
        for o in objs {
            for t in &o.translated {
                let to = if t.to.is_empty() { "(left out)" } else { &t.to };
                writeln!(
                    w,
                    "| {} | `{}` | `{}` | `{}` | `{}` | {} |",
                    o.kind,
                    md_cell(&o.key),
                    md_cell(&t.field),
                    md_cell(&t.from),
                    md_cell(to),
                    md_cell(&t.why)
                )?;
            }
        }
        Ok(())
    }

    /// The manual actions, each checked when done.
    fn write_manual<W: Write>(&self, w: &mut W) -> std::io::Result<()> {
        if self.manual_actions.is_empty() {
            return Ok(());
        }
        let pending = self.pending_actions().len();
        writeln!(
            w,
            "\n## Manual actions ({pending} pending, {} done)\n",
            self.manual_actions.len() - pending
        )?;
        for m in &self.manual_actions {
            let mark = if m.done { "x" } else { " " };
            writeln!(w, "- [{mark}] {} `{}`: {}", m.kind, m.key, m.action)?;
        }
        Ok(())
    }

    /// Every object, read back from disk one at a time.
    fn write_every_object<W: Write>(&self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b"\n## Every object\n\n| kind | object | outcome | target id | ms (its own passes) |\n|---|---|---|---|---|\n")?;
        for o in self.objects_iter() {
            let o = o.map_err(|e| std::io::Error::other(e.to_string()))?;
            writeln!(
                w,
                "| {} | `{}` | {} | {} | {} |",
                o.kind,
                o.key,
                o.outcome.as_str(),
                o.target_id.as_deref().unwrap_or(""),
                o.millis
            )?;
        }
        Ok(())
    }
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}
