//! The design matrix: the encoded rows a model is fitted on, kept as the sparse matrix it mostly is.
//!
//! One-hot blocks have one non-zero cell per row and piecewise-linear blocks a few (Telco's
//! matrix is 39 % non-zero, bank's 53 %), so rows are stored by their non-zero cells only
//! (compressed sparse rows): less memory than the dense matrix, and fits that cost what the
//! non-zero cells cost.

/// A design matrix by rows, non-zero cells only (compressed sparse rows).
pub struct Design {
    rows: usize,
    width: usize,
    /// Row `i`'s cells are `starts[i]..starts[i + 1]` of `columns` and `values`.
    starts: Vec<usize>,
    columns: Vec<u32>,
    values: Vec<f64>,
}

impl Design {
    /// The rows at positions `at`, in that order.
    pub fn subset(&self, at: &[usize]) -> Design {
        let mut out = Design::new(self.width, at.len());
        for &i in at {
            let (columns, values) = self.row_slices(i);
            out.columns.extend_from_slice(columns);
            out.values.extend_from_slice(values);
            out.starts.push(out.columns.len());
            out.rows += 1;
        }
        out
    }

    /// An empty matrix of `width` columns, with room for `rows` rows.
    pub fn new(width: usize, rows: usize) -> Design {
        let mut starts = Vec::with_capacity(rows + 1);
        starts.push(0);
        Design { rows: 0, width, starts, columns: Vec::new(), values: Vec::new() }
    }

    /// From a dense row-major matrix of `width` columns.
    pub fn from_dense(x: &[f64], width: usize) -> Design {
        let rows = x.len().checked_div(width).unwrap_or(0);
        let mut d = Design::new(width, rows);
        for row in x.chunks_exact(width.max(1)).take(rows) {
            d.push_row(row);
        }
        d
    }

    /// Appends a row of `width` cells (its zeros are not stored).
    pub fn push_row(&mut self, row: &[f64]) {
        for (c, &v) in row.iter().enumerate() {
            if v != 0.0 {
                self.columns.push(c as u32);
                self.values.push(v);
            }
        }
        self.starts.push(self.columns.len());
        self.rows += 1;
    }

    /// Room for `more` rows at the density of the rows so far, with a margin.
    pub fn reserve_rows(&mut self, more: usize) {
        let per_row = self.values.len() as f64 / self.rows.max(1) as f64;
        let cells = (per_row * more as f64 * 1.05).ceil() as usize + self.width;
        self.starts.reserve(more);
        self.columns.reserve(cells);
        self.values.reserve(cells);
    }

    /// Gives back the room [`Design::reserve_rows`] did not use.
    pub fn shrink_to_fit(&mut self) {
        self.starts.shrink_to_fit();
        self.columns.shrink_to_fit();
        self.values.shrink_to_fit();
    }

    /// The mean of every column, summed in row order (the same bits as summing the dense rows:
    /// adding a zero changes no sum).
    pub fn column_means(&self) -> Vec<f64> {
        let mut mean = vec![0.0; self.width];
        for r in 0..self.rows {
            for (c, v) in self.row(r) {
                mean[c] += v;
            }
        }
        mean.iter().map(|m| m / self.rows as f64).collect()
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn width(&self) -> usize {
        self.width
    }

    /// Non-zero cells stored.
    pub fn cells(&self) -> usize {
        self.values.len()
    }

    /// Row `i`'s non-zero cells as two slices, columns and values, in column order.
    #[inline(always)]
    pub fn row_slices(&self, i: usize) -> (&[u32], &[f64]) {
        let cells = self.starts[i]..self.starts[i + 1];
        (&self.columns[cells.clone()], &self.values[cells])
    }

    /// Row `i`'s non-zero cells: (column, value), in column order.
    #[inline(always)]
    pub fn row(&self, i: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let (columns, values) = self.row_slices(i);
        columns.iter().map(|&c| c as usize).zip(values.iter().copied())
    }
}
