const {renderPage, mockApi, ok, fail, settle, text, find, all, tap, signIn} = require('./helpers')

test('lists my claims with their stage, and opens one', async () => {
  signIn()
  mockApi({'GET /api/mp/claims': ok([
    {id: 4, number: 'C2026000004', status: 'registered', status_label: '已立案', plate: '川A12345',
      reported_at: '2026-11-20T02:30:00+00:00', paid: '0.00', latest_stage_label: '维修中', repair_dealer_name: '成都一汽大众4S店'},
    {id: 3, number: 'C2026000003', status: 'closed', status_label: '已结案', plate: '川A12345',
      reported_at: '2026-05-02T01:00:00+00:00', paid: '5230.00', latest_stage_label: '结案'},
  ], {'X-Pagination': '{"total": 2, "page": 1}'})})
  const page = renderPage('claims')
  await settle()

  const items = all(page, '.claim-item')
  expect(items).toHaveLength(2)
  expect(text(items[0])).toContain('当前进度:维修中')
  expect(text(items[0])).toContain('报案 2026-11-20 10:30') // Beijing time
  expect(text(items[0])).toContain('维修:成都一汽大众4S店')
  expect(text(items[1])).toContain('赔付 ¥5,230.00')

  items[0].dispatchEvent('tap')
  await settle()
  expect(wx.navigateTo).toHaveBeenCalledWith({url: '/pages/claim-detail/index?id=4'})
})

test('no claims says so; a failure shows the message', async () => {
  signIn()
  mockApi({'GET /api/mp/claims': ok([])})
  let page = renderPage('claims')
  await settle()
  expect(text(find(page, '.empty'))).toContain('暂无理赔记录')

  mockApi({'GET /api/mp/claims': fail(500, '服务繁忙,请稍后重试')})
  page = renderPage('claims')
  await settle()
  expect(text(find(page, '#load-error'))).toContain('服务繁忙,请稍后重试')
})
