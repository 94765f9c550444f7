mod analytic;
mod bad_models;
mod cli;
mod fuzz;
mod markov;
mod util;
