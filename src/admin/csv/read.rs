//! Reading an uploaded CSV file: its encoding, its header, its rows.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};

use super::{BOM, columns, unguard_formula};
use crate::admin::spec::Entity;
use crate::i18n::Text;

/// An uploaded file, read: its known columns' cells per row, and the columns it had that are not ours.
#[derive(Debug)]
pub struct Upload {
    pub rows: Vec<UploadRow>,
    pub unknown_columns: Vec<String>,
    /// The file's encoding when it was not UTF-8 (a Chinese Excel's plain "CSV" is GBK; read as GB18030,
    /// which contains it).
    pub encoding: Option<&'static str>,
}

#[derive(Debug)]
pub struct UploadRow {
    /// The row as a spreadsheet numbers it: the header is row 1, the first entry row 2.
    pub number: usize,
    /// Cells by column; a column the file lacks is absent (for an update: leave that field as it is).
    pub cells: BTreeMap<&'static str, String>,
}

/// Reads a CSV upload for `entity`. Everything wrong with the file as a whole comes back as a message for
/// the admin; problems of single rows are left to [`plan`](super::plan).
pub fn parse(entity: &Entity, bytes: &[u8]) -> Result<Upload, Text> {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    // Text never holds NUL; images, spreadsheets (.xlsx) and other binaries do.
    if bytes.contains(&0) {
        return Err(not_csv(entity));
    }
    let (text, encoding) = decode(bytes)?;
    if text.trim().is_empty() {
        return Err(Text::new("文件是空的。", "The file is empty."));
    }
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(text.as_bytes());
    let header = reader.headers().map_err(|_| not_csv(entity))?.clone();
    let (mapped, unknown_columns) = map_header(entity, &header)?;
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let number = index + 2;
        let record = record.map_err(|err| unreadable_row(number, &err))?;
        // Spreadsheets leave rows of empty cells behind; they say nothing.
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cells = mapped
            .iter()
            .zip(record.iter())
            .filter_map(|(column, value)| column.map(|c| (c, unguard_formula(value).to_string())))
            .collect();
        rows.push(UploadRow { number, cells });
    }
    Ok(Upload { rows, unknown_columns, encoding })
}

/// The file's text, and its encoding when it was not UTF-8. Excel on Chinese Windows saves plain "CSV" as
/// GBK: read it as GB18030 (which contains GBK) when it is not UTF-8 and decodes without a single bad
/// sequence; anything else is refused with a way out.
fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, Option<&'static str>), Text> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok((Cow::Borrowed(text), None)),
        Err(_) => match encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes) {
            Some(text) => Ok((text, Some("GB18030"))),
            None => Err(Text::new(
                "文件既不是 UTF-8 也不是 GBK/GB18030 编码。请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后再上传。",
                "The file is neither UTF-8 nor GBK/GB18030. In Excel, save it as “CSV UTF-8 (Comma delimited)” \
                 and upload it again.",
            )),
        },
    }
}

/// Our column for each column of the header (None: not ours), and the names of those not ours.
#[allow(clippy::type_complexity)]
fn map_header(entity: &Entity, header: &csv::StringRecord) -> Result<(Vec<Option<&'static str>>, Vec<String>), Text> {
    let ours = columns(entity);
    let mut mapped = Vec::with_capacity(header.len());
    let mut seen = HashSet::new();
    let mut unknown_columns = Vec::new();
    for name in header.iter().map(str::trim) {
        match ours.iter().find(|c| **c == name) {
            Some(column) => {
                if !seen.insert(*column) {
                    return Err(Text::new(
                        format!("列“{column}”出现了两次。"),
                        format!("The column “{column}” appears twice."),
                    ));
                }
                mapped.push(Some(*column));
            }
            None => {
                if !name.is_empty() {
                    unknown_columns.push(name.to_string());
                }
                mapped.push(None);
            }
        }
    }
    if seen.is_empty() {
        return Err(not_csv(entity));
    }
    Ok((mapped, unknown_columns))
}

fn unreadable_row(number: usize, err: &csv::Error) -> Text {
    match err.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => Text::new(
            format!("第 {number} 行有 {len} 个单元格，而标题行有 {expected_len} 个。"),
            format!("Row {number} has {len} cells, but the header row has {expected_len}."),
        ),
        _ => Text::new(format!("第 {number} 行无法读取。"), format!("Row {number} cannot be read.")),
    }
}

fn not_csv(entity: &Entity) -> Text {
    let expected = columns(entity).join(", ");
    Text::new(
        format!("这不是本类条目的 CSV 文件：第一行应为列名，如 {expected}。"),
        format!("This is not a CSV file of these entries: its first row should name columns such as {expected}."),
    )
}
