// The protoc plugin entry point of rust-protobuf 2.27, as its own protoc-gen-rust binary does.
fn main() {
    protobuf_codegen::protoc_gen_rust_main();
}
