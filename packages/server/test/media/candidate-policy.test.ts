/**
 * Which remote ICE candidate addresses the SFU probes, per scope (pure logic), and the per-connection gate.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IceCandidate } from 'werift';
import { CandidateGate } from '../../src/media/embedded/candidate-gate.js';
import { candidateAllowed, candidateScope, classifyAddress } from '../../src/media/embedded/candidate-policy.js';

describe('candidate addresses', () => {
  it('classifies addresses, IPv4 carried in IPv6 by the IPv4 inside', () => {
    const cases: [string, string][] = [
      ['203.0.113.7', 'public'],
      ['2001:db8::1', 'public'],
      ['10.0.0.1', 'private'],
      ['172.16.5.4', 'private'],
      ['192.168.1.1', 'private'],
      ['100.64.0.1', 'private'],
      ['fd12::1', 'private'],
      ['127.0.0.1', 'loopback'],
      ['127.9.9.9', 'loopback'],
      ['::1', 'loopback'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:7f00:1', 'loopback'],
      ['::ffff:10.0.0.1', 'private'],
      ['64:ff9b::a9fe:a9fe', 'never'],
      ['169.254.169.254', 'never'],
      ['0.0.0.0', 'never'],
      ['::', 'never'],
      ['fe80::1', 'never'],
      ['224.0.0.251', 'never'],
      ['255.255.255.255', 'never'],
      ['ff02::1', 'never'],
      ['abc.local', 'never'],
      ['example.com', 'never'],
    ];
    for (const [address, expected] of cases) assert.equal(classifyAddress(address), expected, address);
  });

  it('each scope admits its own class and the narrower ones; never-probed addresses and bad ports under none', () => {
    assert.equal(candidateAllowed('203.0.113.7', 5000, 'public'), true);
    assert.equal(candidateAllowed('10.0.0.1', 5000, 'public'), false);
    assert.equal(candidateAllowed('10.0.0.1', 5000, 'private'), true);
    assert.equal(candidateAllowed('127.0.0.1', 5000, 'private'), false);
    assert.equal(candidateAllowed('127.0.0.1', 5000, 'loopback'), true);
    assert.equal(candidateAllowed('169.254.169.254', 80, 'loopback'), false);
    assert.equal(candidateAllowed('0.0.0.0', 5000, 'loopback'), false);
    assert.equal(candidateAllowed('x.local', 5000, 'loopback'), false);
    assert.equal(candidateAllowed('203.0.113.7', 0, 'loopback'), false);
    assert.equal(candidateAllowed('203.0.113.7', 70_000, 'loopback'), false);
  });

  it('auto means loopback on a loopback listener, public elsewhere; explicit scopes stay', () => {
    assert.equal(candidateScope('auto', '127.0.0.1'), 'loopback');
    assert.equal(candidateScope('auto', 'localhost'), 'loopback');
    assert.equal(candidateScope('auto', '::1'), 'loopback');
    assert.equal(candidateScope('auto', '0.0.0.0'), 'public');
    assert.equal(candidateScope('auto', '10.1.2.3'), 'public');
    assert.equal(candidateScope('private', '0.0.0.0'), 'private');
    assert.equal(candidateScope('public', '127.0.0.1'), 'public');
  });
});

describe('candidate gate', () => {
  const candidate = (ip: string, port: number) => new IceCandidate(1, 'f', ip, port, 100, 'udp', 'host');

  it('counts distinct addresses up to the cap; a repeated candidate is not counted again', () => {
    const gate = new CandidateGate({ scope: 'loopback', maxPerConnection: 2 });
    assert.equal(gate.admit(candidate('127.0.0.1', 1001)), 'accepted');
    assert.equal(gate.admit(candidate('127.0.0.1', 1001)), 'repeated');
    assert.equal(gate.admit(candidate('127.0.0.1', 1002)), 'accepted');
    assert.equal(gate.admit(candidate('127.0.0.1', 1003)), 'over_limit');
    assert.equal(gate.keepsInSdp(candidate('127.0.0.1', 1001)), true, 'one already admitted stays in an SDP');
    assert.equal(gate.keepsInSdp(candidate('127.0.0.1', 1004)), false);
    assert.equal(gate.count, 2);
  });

  it('refuses addresses outside the scope without counting them', () => {
    const gate = new CandidateGate({ scope: 'public', maxPerConnection: 1 });
    assert.equal(gate.admit(candidate('127.0.0.1', 1001)), 'refused');
    assert.equal(gate.admit(candidate('192.168.0.2', 1001)), 'refused');
    assert.equal(gate.admit(candidate('203.0.113.7', 1001)), 'accepted');
    assert.equal(gate.count, 1);
  });
});
