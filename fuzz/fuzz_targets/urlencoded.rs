//! Fuzzes `waf_engine::fuzzing::urlencoded`: no input may panic, hang or exhaust memory.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    waf_engine::fuzzing::urlencoded(data);
});
