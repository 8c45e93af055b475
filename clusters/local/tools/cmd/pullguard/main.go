// pullguard: containerd's HTTP(S) proxy in the local cluster. Images are imported, never pulled, so every
// request (a CONNECT for https registries, a GET for http ones) is answered with a 403 whose reason phrase says
// so; containerd reports that phrase in the pod's ErrImagePull event. Nothing ever leaves the machine.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"strings"
	"time"
)

const reason = "image pulls are disabled in the local cluster: import the image (LocalProvider.load_image)"

func serve(conn net.Conn) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	req, err := http.ReadRequest(bufio.NewReader(conn))
	if err != nil {
		return
	}
	target := req.Host
	if req.Method != http.MethodConnect {
		target = req.URL.String()
	}
	log.Printf("refused %s %s", req.Method, target)
	body := fmt.Sprintf("%s; refused %s %s\n", reason, req.Method, target)
	fmt.Fprintf(conn, "HTTP/1.1 403 %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		strings.ReplaceAll(reason, "\r\n", " "), len(body), body)
}

func main() {
	listen := flag.String("listen", "127.0.0.1:16280", "address to listen on")
	flag.Parse()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("pullguard listening on %s", *listen)
	for {
		conn, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go serve(conn)
	}
}
