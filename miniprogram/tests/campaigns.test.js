const {renderPage, mockApi, fail, settle, text, find, all, signIn} = require('./helpers')

test('lists running campaigns with their kind and cost, and opens one', async () => {
  signIn()
  mockApi({'GET /api/mp/campaigns': [
    {id: 1, kind: 'lottery', kind_label: '抽奖', name: '双十二幸运抽奖', description: '100%中奖', draw_cost_points: 50,
      ends_at: '2026-12-12T23:59:00+08:00', sold_out: false},
    {id: 2, kind: 'red_packet', kind_label: '红包', name: '续保红包', draw_cost_points: 0,
      ends_at: '2026-12-31T23:59:00+08:00', sold_out: true},
  ]})
  const page = renderPage('campaigns')
  await settle()

  const cards = all(page, '.campaign')
  expect(text(cards[0])).toContain('双十二幸运抽奖')
  expect(text(cards[0])).toContain('每次 50 积分')
  expect(text(cards[0])).toContain('截止 2026-12-12 23:59')
  expect(text(cards[1])).toContain('已发完')
  cards[1].dispatchEvent('tap')
  await settle()
  expect(wx.navigateTo).toHaveBeenCalledWith({url: '/pages/campaign-detail/index?id=2'})
})

test('none running says so; a failure shows the message', async () => {
  signIn()
  mockApi({'GET /api/mp/campaigns': []})
  let page = renderPage('campaigns')
  await settle()
  expect(text(find(page, '.empty'))).toContain('暂时没有进行中的活动')

  mockApi({'GET /api/mp/campaigns': fail(500, '活动服务繁忙')})
  page = renderPage('campaigns')
  await settle()
  expect(text(find(page, '#load-error'))).toContain('活动服务繁忙')
})
