/**
 * The address classifier and the URL check that keep outbound requests (webhooks, push services, Web Push
 * endpoints) off the node's own networks unless the operator allow-lists a range.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../../src/domain/errors.js';
import { AddressPolicy, classifyAddress, isLoopbackName, parseCidr } from '../../src/domain/network-address.js';
import { checkOutboundUrl } from '../../src/domain/outbound-url.js';

describe('classifyAddress', () => {
  const cases: [string, string][] = [
    ['8.8.8.8', 'public'],
    ['93.184.216.34', 'public'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'ipv4-mapped'],
    ['::ffff:7f00:1', 'ipv4-mapped'],
    ['::ffff:8.8.8.8', 'ipv4-mapped'],
    ['::127.0.0.1', 'ipv4-embedded'],
    ['64:ff9b::a00:1', 'ipv4-embedded'],
    ['2002:7f00:1::', 'ipv4-embedded'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['fe80::1', 'link-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['2001:4860:4860::8888', 'public'],
    ['2606:4700::1111', 'public'],
  ];
  for (const [ip, kind] of cases) {
    it(`${ip} is ${kind}`, () => assert.equal(classifyAddress(ip), kind));
  }

  it('refuses to classify what is not an address', () => {
    assert.throws(() => classifyAddress('localhost'));
    assert.throws(() => classifyAddress('[::1]'));
  });
});

describe('AddressPolicy', () => {
  it('allows public addresses and refuses the rest, naming the kind and the setting', () => {
    const policy = new AddressPolicy([], 'SWITCHBOARD_X');
    assert.equal(policy.refusal('8.8.8.8'), undefined);
    assert.match(policy.refusal('10.1.2.3') ?? '', /10\.1\.2\.3 is a private address \(not on SWITCHBOARD_X\)/);
    assert.match(policy.refusal('::ffff:10.1.2.3') ?? '', /ipv4-mapped/);
  });

  it('allows exactly the allow-listed ranges', () => {
    const policy = new AddressPolicy(['10.0.0.0/8', '127.0.0.1', 'fd00::/8']);
    assert.equal(policy.refusal('10.200.0.1'), undefined);
    assert.equal(policy.refusal('127.0.0.1'), undefined);
    assert.notEqual(policy.refusal('127.0.0.2'), undefined);
    assert.equal(policy.refusal('fd00::5'), undefined);
    assert.notEqual(policy.refusal('fc00::5'), undefined);
    assert.notEqual(policy.refusal('192.168.0.1'), undefined);
    assert.notEqual(policy.refusal('169.254.169.254'), undefined);
  });

  it('parses CIDR entries strictly', () => {
    assert.deepEqual(parseCidr('10.0.0.0/8'), { address: '10.0.0.0', prefix: 8, family: 4 });
    assert.deepEqual(parseCidr('::1'), { address: '::1', prefix: 128, family: 6 });
    for (const bad of ['10.0.0.0/33', 'example.com', '10.0.0.0/8/1', '::/129', '10.0.0.0/x', '']) {
      assert.throws(() => parseCidr(bad), Error, bad);
    }
  });

  it('knows the names that always mean loopback', () => {
    for (const name of ['localhost', 'LOCALHOST.', 'a.localhost']) assert.ok(isLoopbackName(name), name);
    assert.ok(!isLoopbackName('localhost.example.com'));
  });
});

describe('checkOutboundUrl', () => {
  const none = new AddressPolicy();
  const webPush = { requireHttps: true };
  const operator = { requireHttps: false };
  const refused = (url: string, policy = none, rules = webPush) =>
    assert.throws(
      () => checkOutboundUrl(url, 'id', policy, rules),
      (err: unknown) => err instanceof ApiError && err.code === 4 && err.exceptionFields?.id !== undefined,
      url,
    );

  it('refuses non-public literals and loopback names, in every spelling the URL parser accepts', () => {
    for (const url of [
      'https://169.254.169.254/latest/meta-data',
      'https://10.0.0.1:6379/',
      'https://[::ffff:127.0.0.1]/',
      'https://[::1]/',
      'https://localhost/',
      'https://LocalHost./push',
      'https://0.0.0.0/',
      'https://0x7f.1/',
      'https://2130706433/',
      'https://[fe80::1]/',
      'https://[fd00::1]/',
    ]) {
      refused(url);
      refused(url, none, operator);
    }
  });

  it('requires https for Web Push, except to an allow-listed address', () => {
    refused('http://push.example.com/sub');
    assert.equal(checkOutboundUrl('https://push.example.com/sub', 'id', none, webPush), 'https://push.example.com/sub');
    const local = new AddressPolicy(['127.0.0.1']);
    assert.equal(checkOutboundUrl('http://127.0.0.1:9/sub', 'id', local, webPush), 'http://127.0.0.1:9/sub');
    refused('http://push.example.com/sub', local);
  });

  it('lets operators use http, and allow-listed private receivers', () => {
    assert.equal(checkOutboundUrl('http://hooks.example.com/x', 'u', none, operator), 'http://hooks.example.com/x');
    const lan = new AddressPolicy(['10.0.0.0/8']);
    assert.equal(checkOutboundUrl('http://10.1.2.3:8080/', 'u', lan, operator), 'http://10.1.2.3:8080/');
    refused('http://192.168.1.1/', lan, operator);
  });

  it('refuses other schemes and credentials', () => {
    refused('ftp://push.example.com/');
    refused('https://user:pw@push.example.com/');
    refused('not a url');
  });
});
