mod analytic;
mod cli;
mod markov;
mod util;
