//! Newline-delimited framing for MCP over stdio, without copying when it can be helped.
//!
//! [`LineReader`] hands out whole lines (newline included) of at most `max_line` bytes as
//! slices: straight out of its read buffer when the line lies in it, else out of a line
//! buffer it assembled. A line longer than `max_line` is handed out in [`Chunk::Part`]s as it
//! arrives and is never held whole, so memory stays bounded whatever a peer sends.
//! Newlines are found with `memchr` over whole buffers, never byte by byte.

use std::io;

use tokio::io::{AsyncRead, AsyncReadExt};

/// How much is read from the peer at once; a pipe rarely holds more than 64 KiB.
const READ_BUFFER: usize = 64 * 1024;

/// One piece of the byte stream.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Chunk<'a> {
    /// A whole line with its `\n` (without one only when the stream ended after it).
    Line(&'a [u8]),
    /// A piece of a line longer than the limit; `last` is true for the piece that ends it.
    Part { bytes: &'a [u8], last: bool },
    /// The stream ended.
    Eof,
}

/// Reads lines from `R`. `next` is cancel-safe: every byte read is kept in `self` until it
/// has been handed out.
#[derive(Debug)]
pub(crate) struct LineReader<R> {
    reader: R,
    buf: Box<[u8]>,
    /// `buf[start..end]` has been read and not yet handed out.
    start: usize,
    end: usize,
    /// The beginning of a line that spans reads (never more than `max_line` bytes).
    line: Vec<u8>,
    /// `line` was handed out and must be emptied on the next call.
    line_taken: bool,
    /// Inside a line longer than `max_line`: pass bytes through up to the next newline.
    in_long_line: bool,
    eof: bool,
    max_line: usize,
}

impl<R: AsyncRead + Unpin> LineReader<R> {
    pub(crate) fn new(reader: R, max_line: usize) -> Self {
        Self {
            reader,
            buf: vec![0; READ_BUFFER].into_boxed_slice(),
            start: 0,
            end: 0,
            line: Vec::new(),
            line_taken: false,
            in_long_line: false,
            eof: false,
            max_line: max_line.max(1),
        }
    }

    pub(crate) async fn next(&mut self) -> io::Result<Chunk<'_>> {
        if self.line_taken {
            self.line.clear();
            self.line_taken = false;
        }
        loop {
            if self.start == self.end {
                if !self.eof {
                    let n = self.reader.read(&mut self.buf).await?;
                    self.start = 0;
                    self.end = n;
                    self.eof = n == 0;
                }
                if self.eof {
                    return Ok(self.at_eof());
                }
            }
            let available = &self.buf[self.start..self.end];
            let newline = memchr::memchr(b'\n', available);
            if self.in_long_line {
                let taken = newline.map_or(available.len(), |i| i + 1);
                let from = self.start;
                self.start += taken;
                self.in_long_line = newline.is_none();
                return Ok(Chunk::Part {
                    bytes: &self.buf[from..self.start],
                    last: newline.is_some(),
                });
            }
            let wanted = newline.map_or(available.len(), |i| i + 1);
            if self.line.len() + wanted > self.max_line {
                self.in_long_line = true;
                if !self.line.is_empty() {
                    self.line_taken = true;
                    return Ok(Chunk::Part {
                        bytes: &self.line,
                        last: false,
                    });
                }
                continue;
            }
            match newline {
                Some(i) if self.line.is_empty() => {
                    let from = self.start;
                    self.start += i + 1;
                    return Ok(Chunk::Line(&self.buf[from..self.start]));
                }
                Some(i) => {
                    self.line.extend_from_slice(&available[..=i]);
                    self.start += i + 1;
                    self.line_taken = true;
                    return Ok(Chunk::Line(&self.line));
                }
                None => {
                    self.line.extend_from_slice(available);
                    self.start = self.end;
                }
            }
        }
    }

    /// Whether a whole line is already read and waiting, so that the next [`Self::next`]
    /// returns without waiting on the stream.
    pub(crate) fn has_buffered_line(&self) -> bool {
        memchr::memchr(b'\n', &self.buf[self.start..self.end]).is_some()
    }

    /// The stream ended: hand out an unterminated last line (or the end of a long one) first.
    fn at_eof(&mut self) -> Chunk<'_> {
        if self.in_long_line {
            self.in_long_line = false;
            return Chunk::Part {
                bytes: &[],
                last: true,
            };
        }
        if self.line.is_empty() {
            return Chunk::Eof;
        }
        self.line_taken = true;
        Chunk::Line(&self.line)
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::AsyncWriteExt;

    use super::*;

    /// Reads everything, with the writer sending `input` in pieces of `piece` bytes, and
    /// returns what each chunk was.
    async fn chunks(input: &[u8], piece: usize, max_line: usize) -> Vec<(String, Vec<u8>)> {
        let (mut tx, rx) = tokio::io::duplex(piece.max(1));
        let data = input.to_vec();
        let writer = tokio::spawn(async move {
            for part in data.chunks(piece.max(1)) {
                tx.write_all(part).await.unwrap();
            }
        });
        let mut reader = LineReader::new(rx, max_line);
        let mut out = Vec::new();
        loop {
            match reader.next().await.unwrap() {
                Chunk::Line(bytes) => out.push(("line".to_owned(), bytes.to_vec())),
                Chunk::Part { bytes, last } => out.push((
                    format!("part{}", if last { " last" } else { "" }),
                    bytes.to_vec(),
                )),
                Chunk::Eof => break,
            }
        }
        writer.await.unwrap();
        out
    }

    fn joined(chunks: &[(String, Vec<u8>)]) -> Vec<u8> {
        chunks.iter().flat_map(|(_, b)| b.clone()).collect()
    }

    #[tokio::test]
    async fn whole_lines_come_out_one_by_one_whatever_the_read_sizes() {
        let input = b"{\"a\":1}\n\n{\"b\":2}\r\nlast without newline";
        for piece in [1, 2, 3, 7, 64, 1024] {
            let out = chunks(input, piece, 1024).await;
            let lines: Vec<&[u8]> = out.iter().map(|(_, b)| b.as_slice()).collect();
            assert_eq!(
                lines,
                [
                    &b"{\"a\":1}\n"[..],
                    b"\n",
                    b"{\"b\":2}\r\n",
                    b"last without newline"
                ],
                "pieces of {piece} bytes"
            );
            assert!(out.iter().all(|(kind, _)| kind == "line"));
        }
    }

    #[tokio::test]
    async fn a_long_line_streams_in_parts_and_the_next_line_is_whole_again() {
        let long = [b'x'; 100];
        let mut input = long.to_vec();
        input.extend_from_slice(b"\nshort\n");
        for piece in [1, 10, 33, 200] {
            let out = chunks(&input, piece, 16).await;
            assert_eq!(
                joined(&out),
                input,
                "no byte is lost or added (pieces of {piece})"
            );
            let (kind, last) = out.last().unwrap();
            assert_eq!((kind.as_str(), last.as_slice()), ("line", &b"short\n"[..]));
            let parts = &out[..out.len() - 1];
            assert!(
                parts
                    .iter()
                    .all(|(k, b)| k.starts_with("part") && b.len() <= 64 * 1024)
            );
            assert_eq!(
                parts.last().unwrap().0,
                "part last",
                "the long line's end is marked"
            );
        }
    }

    #[tokio::test]
    async fn a_line_of_exactly_the_limit_is_still_whole() {
        let out = chunks(b"0123456789abcde\n", 4, 16).await;
        assert_eq!(out, [("line".to_owned(), b"0123456789abcde\n".to_vec())]);
    }

    #[tokio::test]
    async fn a_long_line_cut_by_eof_ends_with_an_empty_last_part() {
        let out = chunks(&[b'y'; 40], 8, 16).await;
        assert_eq!(joined(&out), vec![b'y'; 40]);
        assert_eq!(out.last().unwrap(), &("part last".to_owned(), Vec::new()));
    }
}
