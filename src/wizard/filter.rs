//! Fuzzy filtering that stays instant: the wizard's project list (thousands
//! of projects), organization list, team members and area/iteration trees
//! (20,000 nodes). Pure; rendering is elsewhere.
//!
//! * [`fuzzy_match`] — case-insensitive (Unicode-aware) subsequence match of
//!   every space-separated query word (AND), with a score and the matched
//!   character indices for highlighting. Contiguous runs, word starts (after
//!   space, `-`, `_`, `\`, `/`, `.` and camelCase humps) and the very start of
//!   the text score higher; shorter candidates score slightly higher. Each
//!   word is placed optimally (dynamic programming, as in fzf's v2
//!   algorithm), so `fe` in `Finance EMEA` highlights the `E` of `EMEA`, not
//!   the `e` inside `Finance`.
//! * [`FilterList`] — items, a query, the filtered view (best first, then
//!   original order) and a selection that survives re-filtering. When the
//!   query grows (a character typed) only the previous result set is
//!   filtered, and earlier result sets are kept so Backspace is free.

use std::cmp::Reverse;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A successful match of a query against one candidate.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Match {
    /// Higher is better. 0 for the empty query.
    pub score: i64,
    /// Character (not byte) indices of the candidate that matched, ascending,
    /// without duplicates: highlight these.
    pub positions: Vec<usize>,
}

/// Text of an item that the filter matches against.
pub trait Filterable {
    /// The text to match (and to highlight in).
    fn filter_text(&self) -> &str;
}

impl Filterable for String {
    fn filter_text(&self) -> &str {
        self
    }
}

impl Filterable for &str {
    fn filter_text(&self) -> &str {
        self
    }
}

impl Filterable for Box<str> {
    fn filter_text(&self) -> &str {
        self
    }
}

/// Matches `query` against `candidate`. Every whitespace-separated word of
/// the query must occur in the candidate as a case-insensitive subsequence;
/// the empty query matches everything with score 0 and no positions.
pub fn fuzzy_match(query: &str, candidate: &str) -> Option<Match> {
    let words = parse_words(query);
    if words.is_empty() {
        return Some(Match::default());
    }
    let mut hay = Haystack::default();
    hay.push(candidate);
    let mut scratch = Scratch::default();
    let (chars, bonus) = hay.get(0);
    match_words(&words, chars, bonus, &mut scratch, true)
}

// ---------------------------------------------------------------------------
// Scoring

const SCORE_MATCH: i32 = 16;
const GAP_START: i32 = 3;
const GAP_EXT: i32 = 1;
/// First character of the text.
const BONUS_PREFIX: i32 = 10;
/// Word start: after a delimiter or other punctuation.
const BONUS_BOUNDARY: i32 = 8;
/// camelCase hump, or a digit after a non-digit.
const BONUS_CAMEL: i32 = 7;
/// A delimiter or punctuation character matched literally.
const BONUS_NON_WORD: i32 = 8;
/// Minimum bonus of a character continuing a contiguous run.
const BONUS_CONSECUTIVE: i32 = GAP_START + GAP_EXT;
/// The bonus of a word's first character counts this many times.
const FIRST_CHAR_MULTIPLIER: i32 = 2;
/// Candidates longer than this (in characters) get no further length penalty.
const LENGTH_PENALTY_CAP: usize = 128;
/// One point of penalty per this many characters of candidate.
const LENGTH_PENALTY_DIVISOR: usize = 8;
/// Above this many DP cells a word is placed greedily instead.
const MAX_DP_CELLS: usize = 1 << 20;
/// Result sets kept for Backspace.
const MAX_HISTORY: usize = 32;

const NEG: i32 = i32::MIN / 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Lower,
    Upper,
    Digit,
    Delimiter,
    Other,
}

fn class_of(c: char) -> Class {
    if c.is_ascii() {
        match c {
            'a'..='z' => Class::Lower,
            'A'..='Z' => Class::Upper,
            '0'..='9' => Class::Digit,
            ' ' | '-' | '_' | '\\' | '/' | '.' | '\t' | ':' | ',' | ';' | '|' => Class::Delimiter,
            _ => Class::Other,
        }
    } else if c.is_uppercase() {
        Class::Upper
    } else if c.is_numeric() {
        Class::Digit
    } else if c.is_whitespace() {
        Class::Delimiter
    } else if c.is_alphabetic() {
        // Lower-case letters and caseless scripts (CJK, ...).
        Class::Lower
    } else {
        Class::Other
    }
}

fn bonus_for(prev: Option<Class>, cur: Class) -> u8 {
    let is_word = |c: Class| matches!(c, Class::Lower | Class::Upper | Class::Digit);
    let bonus = if !is_word(cur) {
        BONUS_NON_WORD
    } else {
        match prev {
            None => BONUS_PREFIX,
            Some(p) if !is_word(p) => BONUS_BOUNDARY,
            Some(Class::Lower) if cur == Class::Upper => BONUS_CAMEL,
            Some(p) if p != Class::Digit && cur == Class::Digit => BONUS_CAMEL,
            _ => 0,
        }
    };
    // All bonuses are small positive constants.
    bonus as u8
}

/// Case folding that keeps one char per char, so positions stay char indices.
fn fold(c: char) -> char {
    if c.is_ascii() {
        c.to_ascii_lowercase()
    } else {
        match c.to_lowercase().next().unwrap_or(c) {
            'ς' => 'σ',
            lower => lower,
        }
    }
}

fn parse_words(query: &str) -> Vec<Vec<char>> {
    query
        .split_whitespace()
        .map(|w| w.chars().map(fold).collect())
        .collect()
}

/// Whether `needle` is a subsequence of `hay`.
fn is_subsequence(needle: &[char], hay: &[char]) -> bool {
    let mut it = hay.iter();
    needle.iter().all(|c| it.any(|h| h == c))
}

/// Every match of `new` is a match of `old`: each old word is a subsequence
/// of some new word (the query grew, or a word was added).
fn narrows(old: &[Vec<char>], new: &[Vec<char>]) -> bool {
    old.iter()
        .all(|ow| new.iter().any(|nw| is_subsequence(ow, nw)))
}

/// All candidates' folded characters and per-character bonuses, flattened.
#[derive(Debug, Default, Clone)]
struct Haystack {
    chars: Vec<char>,
    bonus: Vec<u8>,
    spans: Vec<(usize, usize)>,
}

impl Haystack {
    fn push(&mut self, text: &str) {
        let start = self.chars.len();
        let mut prev = None;
        for c in text.chars() {
            let class = class_of(c);
            self.chars.push(fold(c));
            self.bonus.push(bonus_for(prev, class));
            prev = Some(class);
        }
        self.spans.push((start, self.chars.len()));
    }

    fn get(&self, index: usize) -> (&[char], &[u8]) {
        let (start, end) = self.spans.get(index).copied().unwrap_or((0, 0));
        (&self.chars[start..end], &self.bonus[start..end])
    }

    fn clear(&mut self) {
        self.chars.clear();
        self.bonus.clear();
        self.spans.clear();
    }
}

/// Reusable buffers of the matcher.
#[derive(Debug, Default, Clone)]
struct Scratch {
    first: Vec<usize>,
    last: Vec<usize>,
    /// Occurrence cells: candidate position, row starts, score, run bonus,
    /// predecessor cell.
    pos: Vec<usize>,
    rows: Vec<usize>,
    score: Vec<i32>,
    run: Vec<i32>,
    pred: Vec<u32>,
    positions: Vec<usize>,
}

fn length_penalty(chars: usize) -> i64 {
    (chars.min(LENGTH_PENALTY_CAP) / LENGTH_PENALTY_DIVISOR) as i64
}

/// Score of all words (AND), or `None`. With `want_positions`, the union of
/// the matched positions too.
fn match_words(
    words: &[Vec<char>],
    chars: &[char],
    bonus: &[u8],
    scratch: &mut Scratch,
    want_positions: bool,
) -> Option<Match> {
    if words.is_empty() {
        return Some(Match::default());
    }
    let mut total = 0i64;
    let mut positions = Vec::new();
    for word in words {
        total += i64::from(score_word(word, chars, bonus, scratch, want_positions)?);
        if want_positions {
            positions.extend_from_slice(&scratch.positions);
        }
    }
    positions.sort_unstable();
    positions.dedup();
    Some(Match {
        score: total - length_penalty(chars.len()),
        positions,
    })
}

/// Best score of one (folded, non-empty) word in the candidate. With
/// `want_positions`, the matched positions are left in `scratch.positions`.
///
/// Dynamic programming over the *occurrences* only: row `i` holds the
/// positions where query char `i` occurs between its earliest and latest
/// feasible position; a cell's best predecessor is either the previous row's
/// cell at `j - 1` (contiguous run) or the best earlier cell with an affine
/// gap penalty (a running maximum, since the penalty is linear in `j`).
/// The phases: feasible bounds, occurrences, the rows' scores, the best end
/// and (for positions) the path back.
fn score_word(
    word: &[char],
    chars: &[char],
    bonus: &[u8],
    scratch: &mut Scratch,
    want_positions: bool,
) -> Option<i32> {
    let m = word.len();
    let n = chars.len();
    if m == 0 || m > n {
        return (m == 0).then_some(0);
    }
    feasible_bounds(word, chars, scratch)?;
    if m == 1 {
        return Some(best_single(word[0], chars, bonus, scratch, want_positions));
    }
    if m.saturating_mul(scratch.last[m - 1] + 1 - scratch.first[0]) > MAX_DP_CELLS {
        return Some(greedy(word, bonus, scratch, want_positions));
    }
    collect_occurrences(word, chars, scratch);
    score_rows(m, bonus, scratch);
    let (best, best_e) = best_end(m, scratch)?;
    if want_positions {
        trace_back(m, best_e, scratch);
    }
    Some(best)
}

/// Fills `scratch.first` and `scratch.last` with the earliest and latest
/// feasible position of each query char; `None` when the word does not occur
/// as a subsequence.
fn feasible_bounds(word: &[char], chars: &[char], scratch: &mut Scratch) -> Option<()> {
    let m = word.len();
    let n = chars.len();
    // Earliest position of each query char (forward greedy)...
    scratch.first.clear();
    let mut j = 0;
    for &qc in word {
        let offset = chars.get(j..)?.iter().position(|&c| c == qc)?;
        scratch.first.push(j + offset);
        j += offset + 1;
    }
    // ... and latest (backward greedy). Both exist once the forward pass did.
    scratch.last.clear();
    scratch.last.resize(m, 0);
    let mut end = n;
    for i in (0..m).rev() {
        let at = chars.get(..end)?.iter().rposition(|&c| c == word[i])?;
        scratch.last[i] = at;
        end = at;
    }
    Some(())
}

/// One char: the best single occurrence (the first of the highest bonus)
/// between its feasible bounds.
fn best_single(
    qc: char,
    chars: &[char],
    bonus: &[u8],
    scratch: &mut Scratch,
    want_positions: bool,
) -> i32 {
    let (lo, hi) = (scratch.first[0], scratch.last[0]);
    let mut best_j = lo;
    for (k, &c) in chars[lo..=hi].iter().enumerate() {
        if c == qc && bonus[lo + k] > bonus[best_j] {
            best_j = lo + k;
        }
    }
    if want_positions {
        scratch.positions.clear();
        scratch.positions.push(best_j);
    }
    SCORE_MATCH + i32::from(bonus[best_j]) * FIRST_CHAR_MULTIPLIER
}

/// The DP's cells: each query char's occurrences between its feasible
/// bounds, row by row (`scratch.rows[i]` is where row `i` starts), and the
/// score, run and predecessor arrays sized to them.
fn collect_occurrences(word: &[char], chars: &[char], scratch: &mut Scratch) {
    scratch.pos.clear();
    scratch.rows.clear();
    for ((&qc, &lo), &hi) in word.iter().zip(&scratch.first).zip(&scratch.last) {
        scratch.rows.push(scratch.pos.len());
        for (k, &c) in chars[lo..=hi].iter().enumerate() {
            if c == qc {
                scratch.pos.push(lo + k);
            }
        }
    }
    scratch.rows.push(scratch.pos.len());
    let cells = scratch.pos.len();
    scratch.score.clear();
    scratch.score.resize(cells, NEG);
    scratch.run.clear();
    scratch.run.resize(cells, 0);
    scratch.pred.clear();
    scratch.pred.resize(cells, 0);
}

/// Scores every cell of the `m` rows: the first row on its own, each later
/// row from the previous one (a contiguous run or the best gap).
fn score_rows(m: usize, bonus: &[u8], scratch: &mut Scratch) {
    let Scratch {
        pos,
        rows,
        score,
        run,
        pred,
        ..
    } = scratch;
    let b = |j: usize| i32::from(bonus[j]);

    for e in rows[0]..rows[1] {
        let j = pos[e];
        score[e] = SCORE_MATCH + b(j) * FIRST_CHAR_MULTIPLIER;
        run[e] = b(j);
    }
    for i in 1..m {
        let (prev_start, prev_end) = (rows[i - 1], rows[i]);
        // Running max over previous cells at k <= j - 2 of score + GAP_EXT * k.
        let mut best_gap = NEG;
        let mut best_e = 0usize;
        let mut p = prev_start;
        for e in rows[i]..rows[i + 1] {
            let j = pos[e];
            while p < prev_end && pos[p] + 2 <= j {
                if score[p] > NEG {
                    let val = score[p] + GAP_EXT * pos[p] as i32;
                    if val >= best_gap {
                        best_gap = val;
                        best_e = p;
                    }
                }
                p += 1;
            }
            let bj = b(j);
            let mut best = NEG;
            let mut best_run = bj;
            let mut from = 0usize;
            // `p` is now the first previous cell at j - 1 or later.
            if p < prev_end && pos[p] + 1 == j && score[p] > NEG {
                let run_bonus = run[p];
                best = score[p] + SCORE_MATCH + bj.max(run_bonus).max(BONUS_CONSECUTIVE);
                best_run = if bj >= BONUS_BOUNDARY && bj > run_bonus {
                    bj
                } else {
                    run_bonus
                };
                from = p;
            }
            if best_gap > NEG {
                let gap =
                    best_gap - GAP_EXT * j as i32 + 2 * GAP_EXT - GAP_START + SCORE_MATCH + bj;
                if gap > best {
                    best = gap;
                    best_run = bj;
                    from = best_e;
                }
            }
            score[e] = best;
            run[e] = best_run;
            pred[e] = from as u32;
        }
    }
}

/// The best score in the last row and its cell (the first of equals), or
/// `None` when no cell there was reached.
fn best_end(m: usize, scratch: &Scratch) -> Option<(i32, usize)> {
    let (rows, score) = (&scratch.rows, &scratch.score);
    let mut best = NEG;
    let mut best_e = 0;
    let last_row = rows[m - 1];
    for (k, &v) in score[last_row..rows[m]].iter().enumerate() {
        if v > best {
            best = v;
            best_e = last_row + k;
        }
    }
    (best > NEG).then_some((best, best_e))
}

/// Follows the predecessors back from the best end, leaving the matched
/// positions in `scratch.positions`.
fn trace_back(m: usize, best_e: usize, scratch: &mut Scratch) {
    scratch.positions.clear();
    scratch.positions.resize(m, 0);
    let mut e = best_e;
    for i in (0..m).rev() {
        scratch.positions[i] = scratch.pos[e];
        e = scratch.pred[e] as usize;
    }
}

/// Greedy placement (the forward positions) for very long candidates, scored
/// with the same rules as the DP.
fn greedy(word: &[char], bonus: &[u8], scratch: &mut Scratch, want_positions: bool) -> i32 {
    let b = |j: usize| i32::from(bonus[j]);
    let mut score = 0;
    let mut run = 0;
    let mut prev: Option<usize> = None;
    for &j in &scratch.first {
        let bj = b(j);
        match prev {
            None => {
                score = SCORE_MATCH + bj * FIRST_CHAR_MULTIPLIER;
                run = bj;
            }
            Some(p) if p + 1 == j => {
                score += SCORE_MATCH + bj.max(run).max(BONUS_CONSECUTIVE);
                if bj >= BONUS_BOUNDARY && bj > run {
                    run = bj;
                }
            }
            Some(p) => {
                let gap = (j - p - 1) as i32;
                score += SCORE_MATCH + bj - GAP_START - GAP_EXT * (gap - 1);
                run = bj;
            }
        }
        prev = Some(j);
    }
    if want_positions {
        scratch.positions.clear();
        scratch.positions.extend_from_slice(&scratch.first);
    }
    debug_assert_eq!(scratch.first.len(), word.len());
    score
}

// ---------------------------------------------------------------------------
// FilterList

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Hit {
    index: usize,
    /// Total score (what the view is sorted by).
    score: i64,
    /// Sum of the word scores of all words but the last: lets the next
    /// keystroke score only the word being typed.
    rest: i64,
}

/// What a narrowing re-filter can reuse from the previous hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reuse {
    /// Score every word again.
    Nothing,
    /// Only the last word changed (a character typed): keep `rest`.
    AllButLast,
    /// A word was appended: the old total (without the length penalty) is
    /// the new `rest`.
    Everything,
}

impl Reuse {
    fn between(old: &[Vec<char>], new: &[Vec<char>]) -> Reuse {
        match (old.len(), new.len()) {
            (o, n) if o == n && n >= 1 && old[..n - 1] == new[..n - 1] => Reuse::AllButLast,
            (o, n) if o >= 1 && n == o + 1 && old[..] == new[..o] => Reuse::Everything,
            _ => Reuse::Nothing,
        }
    }
}

#[derive(Debug, Clone)]
struct Snapshot {
    words: Vec<Vec<char>>,
    view: Vec<Hit>,
}

/// One visible row, for rendering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row<'a, T> {
    /// Index of the item in the original list.
    pub index: usize,
    /// Position in the filtered view.
    pub position: usize,
    /// The item.
    pub item: &'a T,
    /// Score and matched character positions (for highlighting).
    pub matched: Match,
    /// Whether this row is the selection.
    pub selected: bool,
}

/// A filterable list: items, query, filtered view (best first, then original
/// order), selection. See the module docs.
#[derive(Debug, Clone)]
pub struct FilterList<T> {
    items: Vec<T>,
    text: fn(&T) -> &str,
    hay: Haystack,
    query: String,
    words: Vec<Vec<char>>,
    view: Vec<Hit>,
    history: Vec<Snapshot>,
    /// Position in `view`.
    selected: Option<usize>,
    scratch: Scratch,
}

impl<T: Filterable> FilterList<T> {
    /// A list matching on [`Filterable::filter_text`].
    pub fn new(items: Vec<T>) -> Self {
        Self::with_text(items, T::filter_text)
    }
}

impl<T> FilterList<T> {
    /// A list matching on the text `text` returns for an item (e.g.
    /// `|p: &Project| p.name.as_str()`).
    pub fn with_text(items: Vec<T>, text: fn(&T) -> &str) -> Self {
        let mut list = FilterList {
            items: Vec::new(),
            text,
            hay: Haystack::default(),
            query: String::new(),
            words: Vec::new(),
            view: Vec::new(),
            history: Vec::new(),
            selected: None,
            scratch: Scratch::default(),
        };
        list.set_items(items);
        list
    }

    /// Replaces the items; the query stays, the selection goes to the best
    /// match.
    pub fn set_items(&mut self, items: Vec<T>) {
        self.items = items;
        self.hay.clear();
        for item in &self.items {
            self.hay.push((self.text)(item));
        }
        self.history.clear();
        self.view = self.full_filter();
        self.selected = (!self.view.is_empty()).then_some(0);
    }

    /// Appends items (the next page of a paged list); the selection stays on
    /// the same item.
    pub fn extend<I: IntoIterator<Item = T>>(&mut self, items: I) {
        let keep = self.selected_index();
        for item in items {
            self.hay.push((self.text)(&item));
            self.items.push(item);
        }
        self.history.clear();
        self.view = self.full_filter();
        self.restore_selection(keep);
    }

    /// The current query.
    pub fn query(&self) -> &str {
        &self.query
    }

    /// Sets the query and re-filters. When the new query only narrows the
    /// old one (typed characters, added words), only the current view is
    /// filtered; going back to an earlier query reuses its saved view. The
    /// selected item stays selected when it is still visible, else the best
    /// match is selected.
    pub fn set_query(&mut self, query: &str) {
        if query == self.query {
            return;
        }
        let keep = self.selected_index();
        let words = parse_words(query);
        self.query = query.to_string();
        if words == self.words {
            return;
        }
        if narrows(&self.words, &words) {
            let reuse = Reuse::between(&self.words, &words);
            let view = filter(
                &self.hay,
                &mut self.scratch,
                &words,
                Source::Hits(&self.view, reuse),
            );
            let old = Snapshot {
                words: std::mem::replace(&mut self.words, words),
                view: std::mem::replace(&mut self.view, view),
            };
            self.history.push(old);
            if self.history.len() > MAX_HISTORY {
                self.history.remove(0);
            }
        } else {
            loop {
                match self.history.pop() {
                    Some(snap) if snap.words == words => {
                        self.view = snap.view;
                        break;
                    }
                    Some(snap) if narrows(&snap.words, &words) => {
                        let reuse = Reuse::between(&snap.words, &words);
                        self.view = filter(
                            &self.hay,
                            &mut self.scratch,
                            &words,
                            Source::Hits(&snap.view, reuse),
                        );
                        self.history.push(snap);
                        break;
                    }
                    Some(_) => {}
                    None => {
                        self.view = filter(
                            &self.hay,
                            &mut self.scratch,
                            &words,
                            Source::All(self.items.len()),
                        );
                        break;
                    }
                }
            }
            self.words = words;
        }
        self.restore_selection(keep);
    }

    /// Appends a character to the query.
    pub fn push_char(&mut self, c: char) {
        let mut query = self.query.clone();
        query.push(c);
        self.set_query(&query);
    }

    /// Removes the last character of the query (no-op when empty).
    pub fn pop_char(&mut self) {
        let mut query = self.query.clone();
        if query.pop().is_some() {
            self.set_query(&query);
        }
    }

    /// Number of visible (matching) items.
    pub fn len(&self) -> usize {
        self.view.len()
    }

    /// Whether no item is visible.
    pub fn is_empty(&self) -> bool {
        self.view.is_empty()
    }

    /// Number of items, visible or not.
    pub fn total(&self) -> usize {
        self.items.len()
    }

    /// All items, in original order.
    pub fn items(&self) -> &[T] {
        &self.items
    }

    /// The item at an original index.
    pub fn get(&self, index: usize) -> Option<&T> {
        self.items.get(index)
    }

    /// The visible items, best first: (original index, item).
    pub fn visible(&self) -> impl Iterator<Item = (usize, &T)> + '_ {
        self.view
            .iter()
            .filter_map(|h| self.items.get(h.index).map(|item| (h.index, item)))
    }

    /// Rows `offset..offset + height` of the view with their matched
    /// positions (computed only for these rows).
    pub fn window(&self, offset: usize, height: usize) -> Vec<Row<'_, T>> {
        let mut scratch = Scratch::default();
        let end = offset.saturating_add(height).min(self.view.len());
        let start = offset.min(end);
        self.view[start..end]
            .iter()
            .enumerate()
            .filter_map(|(i, hit)| {
                let item = self.items.get(hit.index)?;
                let (chars, bonus) = self.hay.get(hit.index);
                let matched =
                    match_words(&self.words, chars, bonus, &mut scratch, true).unwrap_or_default();
                let position = start + i;
                Some(Row {
                    index: hit.index,
                    position,
                    item,
                    matched,
                    selected: self.selected == Some(position),
                })
            })
            .collect()
    }

    /// The scroll offset that keeps the selection inside a window of
    /// `height` rows, moving as little as possible from `offset`.
    pub fn scroll_offset(&self, offset: usize, height: usize) -> usize {
        let max_offset = self.view.len().saturating_sub(height.max(1));
        let offset = offset.min(max_offset);
        match self.selected {
            None => offset,
            Some(sel) if sel < offset => sel,
            Some(sel) if height > 0 && sel >= offset + height => sel + 1 - height,
            Some(_) => offset,
        }
    }

    /// The selected item.
    pub fn selected(&self) -> Option<&T> {
        self.selected_index().and_then(|i| self.items.get(i))
    }

    /// Original index of the selected item.
    pub fn selected_index(&self) -> Option<usize> {
        self.selected
            .and_then(|pos| self.view.get(pos))
            .map(|h| h.index)
    }

    /// Position of the selection in the view (for rendering).
    pub fn selected_position(&self) -> Option<usize> {
        self.selected
    }

    /// Moves the selection down one row (stops at the last).
    pub fn select_next(&mut self) {
        self.move_by(1);
    }

    /// Moves the selection up one row (stops at the first).
    pub fn select_prev(&mut self) {
        self.move_by(-1);
    }

    /// Moves the selection down `n` rows, stopping at the last.
    pub fn page_down(&mut self, n: usize) {
        self.move_by(isize::try_from(n).unwrap_or(isize::MAX));
    }

    /// Moves the selection up `n` rows, stopping at the first.
    pub fn page_up(&mut self, n: usize) {
        self.move_by(-isize::try_from(n).unwrap_or(isize::MAX));
    }

    /// Selects the first (best) row.
    pub fn select_first(&mut self) {
        self.selected = (!self.view.is_empty()).then_some(0);
    }

    /// Selects the last row.
    pub fn select_last(&mut self) {
        self.selected = self.view.len().checked_sub(1);
    }

    /// Selects the first visible item for which `pred` holds (e.g. the
    /// organization typed earlier). Returns whether one was found; the
    /// selection is unchanged otherwise.
    pub fn select_where<F: FnMut(&T) -> bool>(&mut self, mut pred: F) -> bool {
        let found = self
            .view
            .iter()
            .position(|h| self.items.get(h.index).is_some_and(&mut pred));
        if found.is_some() {
            self.selected = found;
        }
        found.is_some()
    }

    /// Selects the item with this original index if it is visible.
    pub fn select_index(&mut self, index: usize) -> bool {
        let found = self.view.iter().position(|h| h.index == index);
        if found.is_some() {
            self.selected = found;
        }
        found.is_some()
    }

    fn move_by(&mut self, delta: isize) {
        let Some(last) = self.view.len().checked_sub(1) else {
            self.selected = None;
            return;
        };
        let current = self.selected.unwrap_or(0);
        let next = if delta >= 0 {
            current.saturating_add(delta.unsigned_abs()).min(last)
        } else {
            current.saturating_sub(delta.unsigned_abs())
        };
        self.selected = Some(next);
    }

    fn restore_selection(&mut self, keep: Option<usize>) {
        self.selected = keep
            .and_then(|index| self.view.iter().position(|h| h.index == index))
            .or((!self.view.is_empty()).then_some(0));
    }

    fn full_filter(&mut self) -> Vec<Hit> {
        filter(
            &self.hay,
            &mut self.scratch,
            &self.words,
            Source::All(self.items.len()),
        )
    }
}

/// Scores one item for `words`; `previous` is its hit for the previous
/// query and what of it can be reused.
fn score_item(
    hay: &Haystack,
    scratch: &mut Scratch,
    words: &[Vec<char>],
    index: usize,
    previous: Option<(&Hit, Reuse)>,
) -> Option<Hit> {
    let Some((last, others)) = words.split_last() else {
        return Some(Hit {
            index,
            score: 0,
            rest: 0,
        });
    };
    let (chars, bonus) = hay.get(index);
    let penalty = length_penalty(chars.len());
    let rest = match previous {
        Some((hit, Reuse::AllButLast)) => hit.rest,
        Some((hit, Reuse::Everything)) => hit.score + penalty,
        _ => {
            let mut rest = 0i64;
            for word in others {
                rest += i64::from(score_word(word, chars, bonus, scratch, false)?);
            }
            rest
        }
    };
    let last = i64::from(score_word(last, chars, bonus, scratch, false)?);
    Some(Hit {
        index,
        score: rest + last - penalty,
        rest,
    })
}

/// Where a filter pass takes its candidates from.
#[derive(Clone, Copy)]
enum Source<'a> {
    /// Items `0..n`.
    All(usize),
    /// The hits of a query this one narrows.
    Hits(&'a [Hit], Reuse),
}

impl Source<'_> {
    fn len(&self) -> usize {
        match self {
            Source::All(n) => *n,
            Source::Hits(hits, _) => hits.len(),
        }
    }
}

/// Below this many candidates a pass runs on the calling thread only.
const PARALLEL_MIN: usize = 4096;
/// Candidates claimed at a time by a thread of a parallel pass: small, so a
/// helper thread that the OS does not schedule holds up little work.
const CHUNK: usize = 1024;
/// At most this many threads per pass.
const MAX_THREADS: usize = 4;

fn threads() -> usize {
    static THREADS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *THREADS.get_or_init(|| {
        std::thread::available_parallelism()
            .map_or(1, usize::from)
            .min(MAX_THREADS)
    })
}

/// Matches the candidates of `source`; sorted by score (desc), then
/// original index. Large passes are shared with helper threads (scoped;
/// every thread, the caller included, claims chunks until none are left, so
/// the pass never waits for a helper that is not running).
fn filter(
    hay: &Haystack,
    scratch: &mut Scratch,
    words: &[Vec<char>],
    source: Source<'_>,
) -> Vec<Hit> {
    let len = source.len();
    let threads = threads();
    let mut hits = if threads > 1 && len >= PARALLEL_MIN {
        let next = AtomicUsize::new(0);
        let claim = |scratch: &mut Scratch, out: &mut Vec<Hit>| {
            loop {
                let start = next.fetch_add(CHUNK, Ordering::Relaxed);
                if start >= len {
                    break;
                }
                let range = start..(start + CHUNK).min(len);
                filter_range(hay, scratch, words, source, range, out);
            }
        };
        std::thread::scope(|scope| {
            let handles: Vec<_> = (1..threads)
                .filter_map(|_| {
                    std::thread::Builder::new()
                        .spawn_scoped(scope, || {
                            let mut out = Vec::new();
                            claim(&mut Scratch::default(), &mut out);
                            out
                        })
                        // No thread to be had: the caller does the work.
                        .ok()
                })
                .collect();
            let mut hits = Vec::with_capacity(len);
            claim(scratch, &mut hits);
            for handle in handles {
                match handle.join() {
                    Ok(part) => hits.extend(part),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            hits
        })
    } else {
        let mut hits = Vec::with_capacity(len);
        filter_range(hay, scratch, words, source, 0..len, &mut hits);
        hits
    };
    hits.sort_unstable_by_key(|h| (Reverse(h.score), h.index));
    hits
}

/// Appends the hits among candidates `range` of `source` to `out`.
fn filter_range(
    hay: &Haystack,
    scratch: &mut Scratch,
    words: &[Vec<char>],
    source: Source<'_>,
    range: std::ops::Range<usize>,
    out: &mut Vec<Hit>,
) {
    match source {
        Source::All(_) => {
            out.extend(range.filter_map(|index| score_item(hay, scratch, words, index, None)));
        }
        Source::Hits(previous, reuse) => out.extend(
            previous
                .get(range)
                .unwrap_or_default()
                .iter()
                .filter_map(|hit| score_item(hay, scratch, words, hit.index, Some((hit, reuse)))),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(q: &str, c: &str) -> i64 {
        fuzzy_match(q, c).map_or(i64::MIN, |m| m.score)
    }

    fn ranked(q: &str, items: &[&str]) -> Vec<String> {
        let mut list = FilterList::new(items.iter().map(|s| s.to_string()).collect());
        list.set_query(q);
        list.visible().map(|(_, s)| s.clone()).collect()
    }

    #[test]
    fn empty_query_matches_everything_with_score_zero() {
        assert_eq!(fuzzy_match("", "anything"), Some(Match::default()));
        assert_eq!(fuzzy_match("   ", ""), Some(Match::default()));
        assert_eq!(fuzzy_match("a", ""), None);
    }

    #[test]
    fn subsequence_and_positions() {
        let m = fuzzy_match("fbr", "Fabrikam").unwrap();
        assert_eq!(m.positions, vec![0, 2, 3]);
        assert!(fuzzy_match("xyz", "Fabrikam").is_none());
        assert!(fuzzy_match("kf", "Fabrikam").is_none());
    }

    #[test]
    fn prefix_beats_middle() {
        assert!(score("fin", "Finance") > score("fin", "Refinance"));
        assert!(score("api", "API Gateway") > score("api", "Payments API"));
        assert_eq!(
            ranked("fin", &["Refinance", "Global Finance", "Finance"]),
            vec!["Finance", "Global Finance", "Refinance"]
        );
    }

    #[test]
    fn word_start_beats_inside_word() {
        assert!(score("em", "Finance EMEA") > score("em", "Systems Team"));
        assert!(score("port", "Web Portal") > score("port", "Support Desk"));
        // The optimal placement picks the word start.
        let m = fuzzy_match("fe", "Finance EMEA").unwrap();
        assert_eq!(m.positions, vec![0, 8]);
        // camelCase humps count as word starts.
        assert!(score("wp", "WebPortal") > score("wp", "Wrapper"));
        // Path separators are word starts.
        let m = fuzzy_match("emea", r"Enterprise Portfolio\Finance\EMEA").unwrap();
        assert_eq!(m.positions, vec![29, 30, 31, 32]);
    }

    #[test]
    fn contiguous_beats_scattered() {
        assert!(score("abc", "xabcx") > score("abc", "xaxbxcx"));
        assert!(score("team", "Team Alpha") > score("team", "The Eagle Alarm"));
    }

    #[test]
    fn shorter_is_slightly_better() {
        assert!(score("fin", "Finance") > score("fin", "Finance Operations and Reporting"));
        // ...but a word start in a long text beats an inside match in a short one.
        assert!(score("ops", "Finance Ops and a very long tail of words") > score("ops", "Tops"));
    }

    #[test]
    fn words_are_anded_in_any_order() {
        let path = r"Enterprise Portfolio\Finance\EMEA\Team 12";
        assert!(fuzzy_match("fin emea", path).is_some());
        assert!(fuzzy_match("emea fin", path).is_some());
        assert!(fuzzy_match("fin apac", path).is_none());
        let m = fuzzy_match("fin 12", path).unwrap();
        assert_eq!(m.positions, vec![21, 22, 23, 39, 40]);
    }

    #[test]
    fn case_and_unicode() {
        assert!(fuzzy_match("FIN", "finance").is_some());
        assert!(fuzzy_match("éq", "Équipe Paris").is_some());
        assert!(fuzzy_match("ÉQ", "équipe").is_some());
        assert!(fuzzy_match("straße", "STRAẞE").is_some());
        assert!(fuzzy_match("σοφ", "ΣΟΦΙΑ").is_some());
        assert!(fuzzy_match("日本", "チーム 日本語").is_some());
        // Positions are char indices, not bytes.
        let m = fuzzy_match("p", "Équipe").unwrap();
        assert_eq!(m.positions, vec![4]);
        assert!(fuzzy_match("e", "É").is_none(), "no accent folding");
    }

    #[test]
    fn long_candidates_fall_back_to_greedy() {
        let long = format!("{}needle", "x".repeat(MAX_DP_CELLS));
        let m = fuzzy_match("needle", &long).unwrap();
        assert_eq!(m.positions.len(), 6);
    }

    #[test]
    fn ranking_ties_keep_original_order() {
        assert_eq!(ranked("a", &["ba", "ca", "da"]), vec!["ba", "ca", "da"]);
    }

    fn list(n: usize) -> FilterList<String> {
        FilterList::new((0..n).map(|i| format!("Project {i:04}")).collect())
    }

    #[test]
    fn selection_survives_refiltering() {
        let mut l = FilterList::new(
            ["Alpha", "Beta", "Gamma", "Alphabet", "Delta"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        );
        assert_eq!(l.selected().map(String::as_str), Some("Alpha"));
        l.select_next();
        l.select_next();
        l.select_next();
        assert_eq!(l.selected().map(String::as_str), Some("Alphabet"));
        l.set_query("al");
        assert_eq!(l.selected().map(String::as_str), Some("Alphabet"));
        l.set_query("alphab");
        assert_eq!(l.selected().map(String::as_str), Some("Alphabet"));
        l.set_query("");
        assert_eq!(l.selected().map(String::as_str), Some("Alphabet"));
        assert_eq!(l.selected_index(), Some(3));
        // The selected item disappears: the best match is selected.
        l.set_query("ta");
        assert_eq!(l.selected().map(String::as_str), Some("Beta"));
        l.set_query("zzz");
        assert_eq!(l.selected(), None);
        assert!(l.is_empty());
        l.set_query("");
        assert_eq!(l.selected().map(String::as_str), Some("Alpha"));
    }

    #[test]
    fn select_where_preselects() {
        let mut l = list(100);
        assert!(l.select_where(|s| s == "Project 0042"));
        assert_eq!(l.selected_index(), Some(42));
        assert!(!l.select_where(|s| s == "nope"));
        assert_eq!(l.selected_index(), Some(42));
        assert!(l.select_index(7));
        assert_eq!(l.selected_position(), Some(7));
    }

    #[test]
    fn paging_is_bounded() {
        let mut l = list(25);
        l.page_up(10);
        assert_eq!(l.selected_position(), Some(0));
        l.page_down(10);
        assert_eq!(l.selected_position(), Some(10));
        l.page_down(10);
        l.page_down(10);
        assert_eq!(l.selected_position(), Some(24));
        l.select_next();
        assert_eq!(l.selected_position(), Some(24));
        l.page_down(usize::MAX);
        assert_eq!(l.selected_position(), Some(24));
        l.page_up(usize::MAX);
        assert_eq!(l.selected_position(), Some(0));
        l.select_prev();
        assert_eq!(l.selected_position(), Some(0));
        l.select_last();
        assert_eq!(l.selected_position(), Some(24));
        l.select_first();
        assert_eq!(l.selected_position(), Some(0));
    }

    #[test]
    fn scroll_offset_follows_selection() {
        let mut l = list(100);
        assert_eq!(l.scroll_offset(0, 10), 0);
        l.page_down(15);
        assert_eq!(l.scroll_offset(0, 10), 6);
        assert_eq!(l.scroll_offset(10, 10), 10);
        l.page_up(10);
        assert_eq!(l.scroll_offset(10, 10), 5);
        l.set_query("Project 0099");
        assert_eq!(l.len(), 1);
        assert_eq!(l.scroll_offset(50, 10), 0);
    }

    #[test]
    fn window_rows_and_highlights() {
        let mut l = list(50);
        l.set_query("p 4");
        let rows = l.window(0, 3);
        assert_eq!(rows.len(), 3);
        assert!(rows[0].selected && !rows[1].selected);
        assert_eq!(rows[0].position, 0);
        for row in &rows {
            assert_eq!(
                Some(row.matched.clone()),
                fuzzy_match("p 4", row.item),
                "{}",
                row.item
            );
            assert!(row.matched.positions.contains(&0));
        }
        assert!(l.window(1000, 10).is_empty());
        assert_eq!(l.window(l.len() - 1, 10).len(), 1);
    }

    #[test]
    fn empty_list() {
        let mut l: FilterList<String> = FilterList::new(Vec::new());
        assert_eq!(l.len(), 0);
        assert_eq!(l.total(), 0);
        assert_eq!(l.selected(), None);
        l.select_next();
        l.page_down(5);
        l.page_up(5);
        l.select_last();
        l.select_first();
        l.set_query("abc");
        l.pop_char();
        l.push_char('x');
        assert_eq!(l.selected(), None);
        assert_eq!(l.selected_index(), None);
        assert!(l.window(0, 10).is_empty());
        assert_eq!(l.scroll_offset(3, 10), 0);
        assert!(!l.select_where(|_| true));
    }

    #[test]
    fn extend_keeps_selection_and_filters_new_items() {
        let mut l = list(10);
        l.set_query("proj 00");
        l.select_index(5);
        l.extend((10..20).map(|i| format!("Project {i:04}")));
        assert_eq!(l.total(), 20);
        assert_eq!(l.len(), 20);
        assert_eq!(l.selected_index(), Some(5));
        l.set_query("proj 0019");
        assert_eq!(l.len(), 1);
        assert_eq!(l.selected_index(), Some(19));
    }

    #[test]
    fn with_text_accessor() {
        struct Project {
            id: u32,
            name: String,
        }
        let mut l = FilterList::with_text(
            vec![
                Project {
                    id: 1,
                    name: "Fabrikam".into(),
                },
                Project {
                    id: 2,
                    name: "Contoso".into(),
                },
            ],
            |p: &Project| p.name.as_str(),
        );
        l.set_query("cont");
        assert_eq!(l.selected().map(|p| p.id), Some(2));
    }

    /// Deterministic generator for the narrowing test.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    fn snapshot(l: &FilterList<String>) -> Vec<(usize, i64)> {
        l.window(0, usize::MAX)
            .into_iter()
            .map(|r| (r.index, r.matched.score))
            .collect()
    }

    #[test]
    fn narrowing_gives_the_same_result_as_a_full_filter() {
        const WORDS: &[&str] = &[
            "Finance",
            "EMEA",
            "Team",
            "Portal",
            "Web",
            "api",
            "Émigré",
            "data-lake",
            "Ops",
            "mobile_app",
            "Zeta",
            "12",
            "7",
            "Ωmega",
            "Service.Bus",
        ];
        let mut rng = Rng(0x2545_F491_4F6C_DD1D);
        let items: Vec<String> = (0..2000)
            .map(|_| {
                let n = 1 + rng.below(4);
                (0..n)
                    .map(|_| WORDS[rng.below(WORDS.len())])
                    .collect::<Vec<_>>()
                    .join(if rng.below(2) == 0 { " " } else { "\\" })
            })
            .collect();
        let mut typed = FilterList::new(items.clone());
        let alphabet: Vec<char> = "aefimnopstw12 \\.-_ÉΩ".chars().collect();
        for _round in 0..200 {
            // Type, delete, or jump to a new query.
            match rng.below(6) {
                0 => typed.pop_char(),
                1 => {
                    let q: String = (0..rng.below(5))
                        .map(|_| alphabet[rng.below(alphabet.len())])
                        .collect();
                    typed.set_query(&q);
                }
                _ => typed.push_char(alphabet[rng.below(alphabet.len())]),
            }
            let mut fresh = FilterList::new(items.clone());
            fresh.set_query(typed.query());
            assert_eq!(
                snapshot(&typed),
                snapshot(&fresh),
                "query {:?}",
                typed.query()
            );
            // And the same as the free function.
            for (index, score) in snapshot(&fresh).into_iter().take(20) {
                assert_eq!(
                    fuzzy_match(typed.query(), &items[index]).map(|m| m.score),
                    Some(score)
                );
            }
        }
    }

    #[test]
    fn backspace_reuses_history() {
        let mut l = list(1000);
        for c in "project 01".chars() {
            l.push_char(c);
        }
        let narrowed = snapshot(&l);
        assert!(l.len() < 1000);
        l.pop_char();
        assert!(l.len() > narrowed.len());
        l.push_char('1');
        assert_eq!(snapshot(&l), narrowed);
        l.set_query("");
        assert_eq!(l.len(), 1000);
        l.set_query("project 01");
        assert_eq!(snapshot(&l), narrowed);
        assert!(l.history.len() <= MAX_HISTORY);
    }
}
