//! Fuzzes `waf_engine::fuzzing::xml`: no input may panic, hang or exhaust memory.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    waf_engine::fuzzing::xml(data);
});
