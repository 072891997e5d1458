// SPDX-License-Identifier: LGPL-2.1-or-later
//
// supervise-go - a Go program for tests/integration/supervise.sh. Go makes
// its system calls itself, without libc, so no preload library sees them;
// its runtime also interrupts its threads with signals (SIGURG, for
// preemption) at any moment. Only the seccomp supervisor of `sockbroker
// run` can serve it. It knows nothing of sockbroker.
//
//	syscall            one raw ICMP socket through syscall.Socket
//	ping ADDR          an ICMP echo to ADDR through net.ListenPacket("ip4:icmp")
//	goroutines N M     N goroutines at once, M raw sockets each
package main

import (
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

func checksum(b []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

func rawSocket() error {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC, syscall.IPPROTO_ICMP)
	if err != nil {
		return err
	}
	return syscall.Close(fd)
}

func ping(addr string) error {
	c, err := net.ListenPacket("ip4:icmp", "0.0.0.0")
	if err != nil {
		return err
	}
	defer c.Close()
	id := uint16(os.Getpid())
	msg := make([]byte, 18)
	msg[0] = 8 // echo request
	binary.BigEndian.PutUint16(msg[4:], id)
	binary.BigEndian.PutUint16(msg[6:], 1)
	copy(msg[8:], "sockbroker")
	binary.BigEndian.PutUint16(msg[2:], checksum(msg))
	to, err := net.ResolveIPAddr("ip4", addr)
	if err != nil {
		return err
	}
	if _, err := c.WriteTo(msg, to); err != nil {
		return err
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 1500)
	for {
		n, from, err := c.ReadFrom(buf)
		if err != nil {
			return err
		}
		// An ip4:icmp connection reads the ICMP message without the IP header.
		if n >= 8 && buf[0] == 0 && binary.BigEndian.Uint16(buf[4:]) == id {
			fmt.Printf("echo reply from %s\n", from)
			return nil
		}
	}
}

func goroutines(n, m int) error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	granted, refused := 0, 0
	var last error
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for j := 0; j < m; j++ {
				err := rawSocket()
				mu.Lock()
				if err == nil {
					granted++
				} else {
					refused++
					last = err
				}
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()
	fmt.Printf("goroutines: %d granted, %d refused\n", granted, refused)
	if refused > 0 {
		return last
	}
	return nil
}

func main() {
	var err error
	args := os.Args[1:]
	switch {
	case len(args) == 1 && args[0] == "syscall":
		if err = rawSocket(); err == nil {
			fmt.Println("syscall.Socket: granted")
		}
	case len(args) == 2 && args[0] == "ping":
		err = ping(args[1])
	case len(args) == 3 && args[0] == "goroutines":
		n, _ := strconv.Atoi(args[1])
		m, _ := strconv.Atoi(args[2])
		err = goroutines(n, m)
	default:
		fmt.Fprintln(os.Stderr, "usage: supervise-go syscall | ping ADDR | goroutines N M")
		os.Exit(2)
	}
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
}
