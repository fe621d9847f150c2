const {renderPage, mockApi, ok, fail, settle, text, find, all, tap, signIn} = require('./helpers')

function lottery(my, draws = []) {
  return {id: 1, kind: 'lottery', kind_label: '抽奖', name: '双十二幸运抽奖', draw_cost_points: 50, daily_limit: 3,
    sold_out: false, prizes: [{id: 1, name: '100积分', kind_label: '积分'}, {id: 2, name: '洗车券', kind_label: '券'}],
    my, my_draws: draws}
}

test('drawing posts a request id, shows the prize, and counts down the chances', async () => {
  signIn()
  let drawn = false
  const api = mockApi({
    'GET /api/mp/campaigns/1': () => (drawn
      ? lottery({used_today: 1, used_total: 1, remaining: 2}, [{id: 9, prize_name: '100积分', created_at: '2026-11-25T10:00:00+08:00'}])
      : lottery({used_today: 0, used_total: 0, remaining: 3})),
    'POST /api/mp/campaigns/1/draw': () => {
      drawn = true
      return ok({id: 9, won: true, prize_name: '100积分', points: 100, voucher_id: null})
    },
  })
  const page = renderPage('campaign-detail', {id: '1'})
  await settle()
  expect(text(find(page, '.usage'))).toBe('每次消耗 50 积分 · 您还可参与 3 次 · 每天限 3 次')
  expect(all(page, '.prize')).toHaveLength(2)

  await tap(page, '#play', '.van-button')
  await settle()

  const sent = api.find('POST', '/api/mp/campaigns/1/draw')
  expect(sent).toHaveLength(1)
  expect(sent[0].data.request_id).toMatch(/^[A-Za-z0-9_-]{8,64}$/)
  expect(text(find(page, '.result'))).toContain('恭喜获得')
  expect(text(find(page, '.result'))).toContain('100积分')
  expect(text(find(page, '.result'))).toContain('100 积分已到账')
  expect(text(find(page, '.usage'))).toContain('您还可参与 2 次')
  expect(text(find(page, '.history'))).toContain('2026-11-25 10:00')
})

test('a red packet is claimed, not drawn; no chances left disables the button', async () => {
  signIn()
  const api = mockApi({
    'GET /api/mp/campaigns/2': {id: 2, kind: 'red_packet', kind_label: '红包', name: '续保红包', draw_cost_points: 0,
      sold_out: false, prizes: [], my: {remaining: 1}, my_draws: []},
    'POST /api/mp/campaigns/2/claim': {id: 3, won: true, prize_name: '88积分', points: 88},
  })
  const page = renderPage('campaign-detail', {id: '2'})
  await settle()
  expect(text(find(page, '#play'))).toBe('领取红包')
  await tap(page, '#play', '.van-button')
  await settle()
  expect(api.find('POST', '/api/mp/campaigns/2/claim')).toHaveLength(1)
  expect(text(find(page, '.result'))).toContain('88积分')
})

test('a refused draw (budget spent) shows the API message and no result', async () => {
  signIn()
  mockApi({
    'GET /api/mp/campaigns/1': lottery({remaining: 3}),
    'POST /api/mp/campaigns/1/draw': fail(409, '活动奖品已发完', 'budget_exhausted'),
  })
  const page = renderPage('campaign-detail', {id: '1'})
  await settle()
  await tap(page, '#play', '.van-button')
  await settle()
  expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({title: '活动奖品已发完'}))
  expect(page.querySelector('.result')).toBeFalsy()
})

test('no chances left: the button says so and does nothing', async () => {
  signIn()
  const api = mockApi({'GET /api/mp/campaigns/1': lottery({remaining: 0})})
  const page = renderPage('campaign-detail', {id: '1'})
  await settle()
  expect(text(find(page, '#play'))).toBe('今日次数已用完')
  page.instance.onPlay()
  await settle()
  expect(api.find('POST', '/api/mp/campaigns/1/draw')).toHaveLength(0)
})
