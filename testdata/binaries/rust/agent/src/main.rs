//! kata-agent (fixture): a stand-in for Kata's Rust agent. It registers the generated ttrpc
//! services under "/grpc.AgentService/<Method>" paths, carries the agent's version constants and
//! dispatches on Storage.driver strings. It never runs as part of a test; tests read its bytes.
#![allow(dead_code)]

// Generated per build by make.sh: protocols/ (protoc --rust_out + fixturetool rust-service),
// storage.rs (fixturetool rust-drivers) and version.rs (the agent's version.rs.in, filled in).
mod protocols;
mod storage;
mod version;

use std::sync::Arc;

use protocols::services;

struct Agent;
impl services::AgentService for Agent {}

struct Health;
impl services::Health for Health {}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("--version") => println!(
            "{} version {} (api version: {}, commit version: {}, type: rust)",
            version::AGENT_NAME,
            version::AGENT_VERSION,
            version::API_VERSION,
            version::VERSION_COMMIT
        ),
        Some("--storage") if args.len() == 3 => match storage::storage_handler(&args[2]) {
            Ok(handler) => println!("{}", handler),
            Err(e) => {
                eprintln!("{}", e);
                std::process::exit(1);
            }
        },
        // Reaching the descriptors through reflection is what keeps them in a real agent.
        Some("--describe") => protocols::describe(),
        Some("--serve") if args.len() == 3 => serve(&args[2]),
        _ => {
            eprintln!("usage: kata-agent --version (drivers: {:?})", storage::STORAGE_DRIVERS);
            std::process::exit(2);
        }
    }
}

fn serve(address: &str) {
    let agent: Box<dyn services::AgentService + Send + Sync> = Box::new(Agent);
    let health: Box<dyn services::Health + Send + Sync> = Box::new(Health);
    let server = ttrpc::Server::new()
        .bind(address)
        .and_then(|s| {
            Ok(s.register_service(services::create_agent_service(Arc::new(agent)))
                .register_service(services::create_health(Arc::new(health))))
        })
        .and_then(|mut s| s.start().map(|_| s));
    match server {
        Ok(_running) => loop {
            std::thread::park();
        },
        Err(e) => {
            eprintln!("{:?}", e);
            std::process::exit(1);
        }
    }
}
