const {renderPage, mockApi, ok, fail, settle, text, find, all, signIn} = require('./helpers')

test('shows the balance, what expires next, and the ledger entries', async () => {
  signIn()
  const api = mockApi({
    'GET /api/mp/points': {balance: 860, expiring: {points: 120, on: '2027-12-31'}},
    'GET /api/mp/points/ledger': ok([
      {id: 3, amount: -500, balance_after: 860, reason: 'redemption', reason_label: '积分兑换', note: '精致洗车',
        created_at: '2026-11-24T18:20:00+08:00', expires_on: null},
      {id: 2, amount: 1350, balance_after: 1360, reason: 'policy_purchase', reason_label: '投保奖励', note: null,
        created_at: '2026-03-01T09:00:00+08:00', expires_on: '2027-12-31'},
    ], {'X-Pagination': '{"total": 2, "page": 1}'}),
  })
  const page = renderPage('points')
  await settle()

  expect(text(find(page, '.balance'))).toBe('860')
  expect(text(find(page, '.expiring'))).toBe('120 积分将于 2027-12-31 过期')
  const entries = all(page, '.entry')
  expect(entries).toHaveLength(2)
  expect(text(entries[0])).toContain('积分兑换')
  expect(text(entries[0])).toContain('精致洗车')
  expect(text(entries[0])).toContain('2026-11-24 18:20')
  expect(all(page, '.amount').map(text)).toEqual(['-500', '+1350'])
  expect(text(entries[1])).toContain('2027-12-31 到期')
  expect(api.find('GET', '/api/mp/points/ledger')[0].query).toEqual({page: '1', page_size: '20'})
})

test('an empty ledger invites a sign-in; a failure shows the message', async () => {
  signIn()
  mockApi({'GET /api/mp/points': {balance: 0, expiring: {points: 0, on: null}}, 'GET /api/mp/points/ledger': ok([])})
  let page = renderPage('points')
  await settle()
  expect(text(find(page, '.empty'))).toContain('还没有积分记录')
  expect(page.querySelector('.expiring')).toBeFalsy()

  mockApi({'GET /api/mp/points': {balance: 0, expiring: {}}, 'GET /api/mp/points/ledger': fail(500, '积分服务繁忙')})
  page = renderPage('points')
  await settle()
  expect(text(find(page, '#load-error'))).toContain('积分服务繁忙')
})
