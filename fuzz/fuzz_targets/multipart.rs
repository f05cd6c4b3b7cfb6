//! Fuzzes `waf_engine::fuzzing::multipart`: no input may panic, hang or exhaust memory.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    waf_engine::fuzzing::multipart(data);
});
