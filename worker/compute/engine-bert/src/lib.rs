//! # The embedding engine
//!
//! BERT sentence encoders ([`bert`], e.g. all-MiniLM-L6-v2) loaded from a Hugging Face
//! directory, with their WordPiece tokenizer ([`wordpiece`]). Embeddings are never disputed on
//! chain, so this engine need not be bit-reproducible across machines; it is deterministic on
//! one machine all the same.

pub mod bert;
pub mod wordpiece;

pub use bert::BertModel;
