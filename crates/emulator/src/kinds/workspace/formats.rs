//! Notebook formats: the source header of each language, header detection for AUTO imports,
//! and the conversions export and import need (SOURCE, JUPYTER, HTML).

use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};

/// The notebook languages.
pub const LANGUAGES: &[&str] = &["PYTHON", "SCALA", "SQL", "R"];

/// A language from a file extension (`py`, `scala`, `sql`, `r`), any case.
pub fn lang_from_ext(ext: &str) -> Option<&'static str> {
    match ext.to_ascii_lowercase().as_str() {
        "py" => Some("PYTHON"),
        "scala" => Some("SCALA"),
        "sql" => Some("SQL"),
        "r" => Some("R"),
        _ => None,
    }
}

/// The SOURCE export extension of a language.
pub fn ext_for(lang: &str) -> &'static str {
    match lang {
        "SCALA" => "scala",
        "SQL" => "sql",
        "R" => "r",
        _ => "py",
    }
}

fn comment(lang: &str) -> &'static str {
    match lang {
        "SCALA" => "//",
        "SQL" => "--",
        _ => "#",
    }
}

/// The first line of a SOURCE notebook in `lang`.
pub fn header_for(lang: &str) -> String {
    format!("{} Databricks notebook source", comment(lang))
}

/// The cell separator line of `lang`.
pub fn separator_for(lang: &str) -> String {
    format!("{} COMMAND ----------", comment(lang))
}

/// The language a notebook header implies, if the content starts with one. `#` is Python or
/// R: `ext` decides (`r` → R).
pub fn detect_header(content: &[u8], ext: Option<&str>) -> Option<&'static str> {
    let first = content.split(|b| *b == b'\n').next()?;
    let first = String::from_utf8_lossy(first);
    let first = first.trim_start_matches('\u{feff}').trim_end();
    match first {
        "# Databricks notebook source" => {
            Some(if ext.is_some_and(|e| e.eq_ignore_ascii_case("r")) {
                "R"
            } else {
                "PYTHON"
            })
        }
        "-- Databricks notebook source" => Some("SQL"),
        "// Databricks notebook source" => Some("SCALA"),
        _ => None,
    }
}

/// The source without its header line (if it has one).
pub fn strip_header(src: &str) -> &str {
    let trimmed = src.trim_start_matches('\u{feff}');
    match trimmed.split_once('\n') {
        Some((first, rest)) if first.trim_end().ends_with("Databricks notebook source") => rest,
        None if trimmed.trim_end().ends_with("Databricks notebook source") => "",
        _ => src,
    }
}

/// A SOURCE export: header line, then the body.
pub fn source_with_header(lang: &str, body: &str) -> String {
    format!("{}\n{}", header_for(lang), body)
}

/// The cells of a notebook body.
fn cells(lang: &str, body: &str) -> Vec<String> {
    let sep = separator_for(lang);
    body.split(&sep)
        .map(|c| c.trim_matches('\n').to_string())
        .collect()
}

/// A JUPYTER (ipynb) export of a notebook.
pub fn jupyter_from_source(lang: &str, body: &str, name: &str) -> String {
    let cells: Vec<Value> = cells(lang, body)
        .into_iter()
        .map(|c| {
            let lines: Vec<String> = c.split_inclusive('\n').map(str::to_string).collect();
            json!({"cell_type": "code", "execution_count": 0, "metadata": {}, "outputs": [],
                   "source": lines})
        })
        .collect();
    let kernel = if lang == "R" { "ir" } else { "python3" };
    let doc = json!({
        "cells": cells,
        "metadata": {
            "application/vnd.databricks.v1+notebook": {"language": lang.to_lowercase(), "notebookName": name},
            "kernelspec": {"name": kernel, "display_name": kernel},
            "language_info": {"name": lang.to_lowercase()},
        },
        "nbformat": 4,
        "nbformat_minor": 0,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

/// A notebook body and language from an ipynb document.
pub fn source_from_jupyter(bytes: &[u8]) -> ApiResult<(String, Option<&'static str>)> {
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| {
        ApiError::invalid(format!("The content is not a valid Jupyter notebook: {e}"))
    })?;
    let lang = doc
        .pointer("/metadata/application~1vnd.databricks.v1+notebook/language")
        .or_else(|| doc.pointer("/metadata/language_info/name"))
        .and_then(Value::as_str)
        .and_then(|l| {
            LANGUAGES
                .iter()
                .copied()
                .find(|x| x.eq_ignore_ascii_case(l))
        });
    let sep = separator_for(lang.unwrap_or("PYTHON"));
    let cells = doc
        .get("cells")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::invalid("The Jupyter notebook has no cells list."))?;
    let texts: Vec<String> = cells
        .iter()
        .map(|c| match c.get("source") {
            Some(Value::Array(lines)) => lines.iter().filter_map(Value::as_str).collect(),
            Some(Value::String(s)) => s.clone(),
            _ => String::new(),
        })
        .collect();
    Ok((texts.join(&format!("\n\n{sep}\n\n")), lang))
}

/// An HTML export of a notebook (the source, escaped, in a page).
pub fn html_from_source(lang: &str, body: &str, name: &str) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{}</title></head>\n<body><pre data-language=\"{}\">{}</pre></body></html>\n",
        esc(name),
        lang.to_lowercase(),
        esc(body)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        assert_eq!(
            detect_header(b"# Databricks notebook source\nx=1", Some("py")),
            Some("PYTHON")
        );
        assert_eq!(
            detect_header(b"# Databricks notebook source\n", Some("R")),
            Some("R")
        );
        assert_eq!(
            detect_header(b"-- Databricks notebook source", None),
            Some("SQL")
        );
        assert_eq!(
            detect_header(b"// Databricks notebook source\n", None),
            Some("SCALA")
        );
        assert_eq!(detect_header(b"print(1)", Some("py")), None);
        assert_eq!(strip_header("# Databricks notebook source\nx=1"), "x=1");
        assert_eq!(strip_header("x=1"), "x=1");
    }

    #[test]
    fn jupyter_round_trip() {
        let body = "a = 1\n\n# COMMAND ----------\n\nb = 2";
        let nb = jupyter_from_source("PYTHON", body, "n");
        let (back, lang) = source_from_jupyter(nb.as_bytes()).unwrap();
        assert_eq!(lang, Some("PYTHON"));
        assert_eq!(back, body);
    }
}
