// Package smtptest is a small in-process SMTP server for tests (plain text, no TLS, no
// AUTH): it accepts every message and keeps it, decoded, for the test to read. Written over
// net/textproto so that tests need no mail library of their own.
package smtptest

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Message is one accepted message.
type Message struct {
	From    string
	To      []string // RCPT TO addresses
	Subject string   // decoded
	Body    string   // decoded text (of a multipart message, its text/plain part)
	// Attachments are a multipart message's attached files, decoded.
	Attachments []Attachment
	Raw         string
}

// Attachment is one attached file of a message.
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
}

// Server is a running test server.
type Server struct {
	Host string
	Port int

	ln       net.Listener
	mu       sync.Mutex
	msgs     []Message
	arrived  chan struct{}
	RejectTo map[string]bool // RCPT TO these addresses is refused with 550
}

// Start listens on 127.0.0.1 and stops when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	p, _ := strconv.Atoi(port)
	s := &Server{Host: "127.0.0.1", Port: p, ln: ln, arrived: make(chan struct{}, 1000), RejectTo: map[string]bool{}}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return s
}

// Messages returns the messages accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Close stops listening (a server that is gone, for failure tests).
func (s *Server) Close() { s.ln.Close() }

// Arrived is signalled once per accepted message.
func (s *Server) Arrived() <-chan struct{} { return s.arrived }

func (s *Server) serve(c net.Conn) {
	defer c.Close()
	tp := textproto.NewConn(c)
	say := func(code int, msg string) { _ = tp.PrintfLine("%d %s", code, msg) }
	say(220, "smtptest ESMTP")
	var cur Message
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			_ = tp.PrintfLine("250-smtptest")
			say(250, "8BITMIME")
		case "MAIL":
			cur = Message{From: addr(arg)}
			say(250, "ok")
		case "RCPT":
			a := addr(arg)
			s.mu.Lock()
			reject := s.RejectTo[a]
			s.mu.Unlock()
			if reject {
				say(550, "no such mailbox")
				continue
			}
			cur.To = append(cur.To, a)
			say(250, "ok")
		case "DATA":
			say(354, "go on")
			raw, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			cur.Raw = string(raw)
			cur.Subject, cur.Body, cur.Attachments = decode(raw)
			s.mu.Lock()
			s.msgs = append(s.msgs, cur)
			s.mu.Unlock()
			select {
			case s.arrived <- struct{}{}:
			default:
			}
			say(250, "queued")
		case "RSET", "NOOP":
			cur = Message{}
			say(250, "ok")
		case "QUIT":
			say(221, "bye")
			return
		default:
			say(502, "not implemented")
		}
	}
}

// addr takes the address out of "FROM:<a@b> SIZE=…" or "TO:<a@b>".
func addr(arg string) string {
	if i := strings.IndexByte(arg, '<'); i >= 0 {
		if j := strings.IndexByte(arg[i:], '>'); j > 0 {
			return arg[i+1 : i+j]
		}
	}
	return strings.TrimSpace(arg)
}

// decode returns the subject, the text body and the attachments of a message.
func decode(raw []byte) (string, string, []Attachment) {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return "", string(raw), nil
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		subject = m.Header.Get("Subject")
	}
	mt, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if !strings.HasPrefix(mt, "multipart/") {
		return subject, text(m.Body, m.Header.Get("Content-Transfer-Encoding")), nil
	}
	var (
		body  string
		files []Attachment
	)
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart() // raw: the transfer encoding is undone here, as for the body
		if err != nil {
			break
		}
		data, _ := io.ReadAll(transfer(p, p.Header.Get("Content-Transfer-Encoding")))
		ct := p.Header.Get("Content-Type")
		if name := p.FileName(); name != "" {
			pt, _, _ := mime.ParseMediaType(ct)
			files = append(files, Attachment{Name: name, ContentType: pt, Data: data})
			continue
		}
		if strings.HasPrefix(ct, "text/plain") && body == "" {
			body = strings.ReplaceAll(string(data), "\r\n", "\n")
		}
	}
	return subject, body, files
}

// text reads a single-part body.
func text(r io.Reader, encoding string) string {
	b, _ := io.ReadAll(transfer(r, encoding))
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}

// transfer undoes a part's Content-Transfer-Encoding.
func transfer(r io.Reader, encoding string) io.Reader {
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, r) // line breaks are skipped
	}
	return r
}
