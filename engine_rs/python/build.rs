//! Generates the prost message types of `protos/pyengine/v1/*.proto` into `OUT_DIR`, with the
//! protoc binary shipped by the `protoc-bin-vendored` crate (no system protoc needed).

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?).join("../../protos");
    let root = root.canonicalize()?;
    let mut protos: Vec<PathBuf> = std::fs::read_dir(root.join("pyengine/v1"))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "proto"))
        .collect();
    protos.sort();
    for p in &protos {
        println!("cargo:rerun-if-changed={}", p.display());
    }
    println!("cargo:rerun-if-changed={}", root.join("pyengine/v1").display());
    let mut config = prost_build::Config::new();
    config.protoc_executable(protoc_bin_vendored::protoc_bin_path()?);
    config.compile_protos(&protos, &[root])?;
    Ok(())
}
