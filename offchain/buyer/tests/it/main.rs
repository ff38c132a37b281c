//! The buyer's choices and checks: which offer it takes, and that its own sample catches a wrong row.

mod sample;
mod select;
