const {renderPage, mockApi, ok, fail, settle, text, find, all, signIn} = require('./helpers')

test('lists unused vouchers first; the used tab asks for used ones; tapping opens one', async () => {
  signIn()
  const api = mockApi({'GET /api/mp/vouchers': (call) => ok(call.query.status === 'issued' ? [
    {id: 501, item_name: '精致洗车(轿车)', category_label: '洗车', partner_name: '蓝天汽车美容', quantity: 2,
      status: 'issued', status_label: '未使用', expires_at: '2026-12-25T23:59:59+08:00'},
  ] : [])})
  const page = renderPage('vouchers')
  await settle()

  const vouchers = all(page, '.voucher')
  expect(vouchers).toHaveLength(1)
  expect(text(vouchers[0])).toContain('精致洗车(轿车) ×2')
  expect(text(vouchers[0])).toContain('蓝天汽车美容')
  expect(text(vouchers[0])).toContain('有效期至 2026-12-25')
  expect(text(vouchers[0])).toContain('未使用')

  all(find(page, '#status-tabs'), '.van-tab')[1].dispatchEvent('tap')
  await settle()
  expect(api.calls.pop().query.status).toBe('used')
  expect(text(find(page, '.empty'))).toContain('暂无此类券')

  all(find(page, '#status-tabs'), '.van-tab')[0].dispatchEvent('tap')
  await settle()
  all(page, '.voucher')[0].dispatchEvent('tap')
  await settle()
  expect(wx.navigateTo).toHaveBeenCalledWith({url: '/pages/voucher-detail/index?id=501'})
})

test('a failure shows the message', async () => {
  signIn()
  mockApi({'GET /api/mp/vouchers': fail(500, '服务繁忙,请稍后重试')})
  const page = renderPage('vouchers')
  await settle()
  expect(text(find(page, '#load-error'))).toContain('服务繁忙,请稍后重试')
})
