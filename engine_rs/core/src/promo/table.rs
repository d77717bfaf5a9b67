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
}
