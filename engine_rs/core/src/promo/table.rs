//! [`Table`]: rows of equal width in one allocation. The search keeps a row per claiming
//! promotion (its count and amount per line); a vector of vectors cost a heap block per row of
//! every cart, and the allocator was a fifth of a typical cart's time.

use std::ops::{Index, IndexMut};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table<T> {
    cells: Vec<T>,
    width: usize,
}

impl<T: Clone> Table<T> {
    /// `rows` rows of `width` cells, each `value`.
    pub fn new(rows: usize, width: usize, value: T) -> Self {
        Self { cells: vec![value; rows * width], width }
    }

    /// Sets every cell to `value`.
    pub fn fill(&mut self, value: T) {
        self.cells.fill(value);
    }
}

impl<T> Table<T> {
    pub fn rows(&self) -> impl Iterator<Item = &[T]> {
        // `chunks_exact` needs a width of at least 1; a table of width 0 has no cells either.
        self.cells.chunks_exact(self.width.max(1))
    }
}

impl<T> Index<usize> for Table<T> {
    type Output = [T];

    fn index(&self, row: usize) -> &[T] {
        &self.cells[row * self.width..(row + 1) * self.width]
    }
}

impl<T> IndexMut<usize> for Table<T> {
    fn index_mut(&mut self, row: usize) -> &mut [T] {
        &mut self.cells[row * self.width..(row + 1) * self.width]
    }
}

/// Rows of different lengths in one allocation (a line's undecided-unit bound per option
/// position).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ragged<T> {
    cells: Vec<T>,
    /// Where each row starts in `cells`, and one past the last row's end.
    at: Vec<usize>,
}

impl<T> Ragged<T> {
    /// Rows of lengths `lens`, every cell `value`.
    pub fn new(lens: impl Iterator<Item = usize>, value: T) -> Self
    where
        T: Clone,
    {
        let mut at = vec![0];
        for len in lens {
            at.push(at.last().copied().unwrap_or(0) + len);
        }
        let cells = vec![value; at.last().copied().unwrap_or(0)];
        Self { cells, at }
    }

    pub fn rows(&self) -> impl Iterator<Item = &[T]> {
        self.at.windows(2).map(|w| &self.cells[w[0]..w[1]])
    }
}

impl<T> Index<usize> for Ragged<T> {
    type Output = [T];

    fn index(&self, row: usize) -> &[T] {
        &self.cells[self.at[row]..self.at[row + 1]]
    }
}

impl<T> IndexMut<usize> for Ragged<T> {
    fn index_mut(&mut self, row: usize) -> &mut [T] {
        &mut self.cells[self.at[row]..self.at[row + 1]]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_disjoint_slices() {
        let mut t = Table::new(3, 2, 0u32);
        t[1][0] = 5;
        t[2][1] = 7;
        assert_eq!(t.rows().collect::<Vec<_>>(), [&[0, 0][..], &[5, 0], &[0, 7]]);
        t.fill(1);
        assert_eq!(&t[2], &[1, 1]);
        assert_eq!(Table::new(4, 0, 0u8).rows().count(), 0);
    }

    #[test]
    fn ragged_rows_keep_their_lengths() {
        let mut r = Ragged::new([2, 0, 3].into_iter(), 0i64);
        r[2][2] = 9;
        r[0][1] = 4;
        assert_eq!(r.rows().collect::<Vec<_>>(), [&[0, 4][..], &[], &[0, 0, 9]]);
        assert!(Ragged::<u8>::new(std::iter::empty(), 0).rows().next().is_none());
    }
}
