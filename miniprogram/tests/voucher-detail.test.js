const {renderPage, mockApi, fail, settle, text, find, tap, stubWx, signIn} = require('./helpers')

const QR = 'data:image/svg+xml;charset=utf-8,%3Csvg%3E%3C/svg%3E'
const ISSUED = {id: 501, item_name: '精致洗车(轿车)', partner_name: '蓝天汽车美容', quantity: 1, points: 300,
  status: 'issued', status_label: '未使用', cancellable: true, code: 'BY7Q2M9XK4TD', qr: QR,
  expires_at: '2026-12-25T23:59:59+08:00', used_at: null}

test('an unused voucher shows its QR code and the code in groups of four', async () => {
  signIn()
  mockApi({'GET /api/mp/vouchers/501': ISSUED})
  const page = renderPage('voucher-detail', {id: '501'})
  await settle()

  // The simulator's built-in <image> keeps no attributes: check the element and the data it binds.
  expect(find(page, '.qr')).toBeTruthy()
  expect(page.instance.data.voucher.qr).toBe(QR)
  expect(text(find(page, '.code'))).toBe('BY7Q 2M9X K4TD')
  expect(text(find(page, '.facts'))).toContain('2026-12-25 23:59')
})

test('cancelling after confirmation refunds and shows the voucher as cancelled', async () => {
  signIn()
  let cancelled = false
  const api = mockApi({
    'GET /api/mp/vouchers/501': () => (cancelled
      ? Object.assign({}, ISSUED, {status: 'cancelled', status_label: '已取消', cancellable: false, code: null, qr: null})
      : ISSUED),
    'POST /api/mp/vouchers/501/cancel': () => {
      cancelled = true
      return {id: 501, status: 'cancelled'}
    },
  })
  stubWx('showModal', {confirm: true})
  const page = renderPage('voucher-detail', {id: '501'})
  await settle()

  await tap(page, '#cancel', '.van-button')
  await settle()

  expect(wx.showModal.mock.calls[0][0].content).toContain('300 积分退回')
  expect(api.find('POST', '/api/mp/vouchers/501/cancel')).toHaveLength(1)
  expect(text(find(page, '.status'))).toBe('已取消')
  expect(page.querySelector('.qr')).toBeFalsy()
  expect(page.querySelector('#cancel')).toBeFalsy()
})

test('a refused cancel shows the message; another customer\'s voucher is not found', async () => {
  signIn()
  mockApi({'GET /api/mp/vouchers/501': ISSUED, 'POST /api/mp/vouchers/501/cancel': fail(409, '该券已使用,不能取消')})
  stubWx('showModal', {confirm: true})
  let page = renderPage('voucher-detail', {id: '501'})
  await settle()
  await tap(page, '#cancel', '.van-button')
  await settle()
  expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({title: '该券已使用,不能取消'}))

  mockApi({'GET /api/mp/vouchers/777': fail(404, '兑换券不存在')})
  page = renderPage('voucher-detail', {id: '777'})
  await settle()
  expect(text(find(page, '#load-error'))).toContain('兑换券不存在')
})
