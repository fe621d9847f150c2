const {renderPage, mockApi, fail, settle, text, find, tap, type, stubWx, signIn} = require('./helpers')

const INVITE = {invite_code: 'K7M2QX', invited_count: 3, awarded_points: 600}

test('shows my invite code and what it earned; copy and share carry the code', async () => {
  signIn()
  mockApi({'GET /api/mp/invite': INVITE})
  stubWx('setClipboardData', {})
  const page = renderPage('invite')
  await settle()

  expect(text(find(page, '.code'))).toBe('K7M2QX')
  expect(text(find(page, '.stats'))).toContain('3')
  expect(text(find(page, '.stats'))).toContain('600')
  await tap(page, '#copy', '.van-button')
  expect(wx.setClipboardData.mock.calls[0][0].data).toBe('K7M2QX')
  expect(page.instance.onShareAppMessage().path).toBe('/pages/invite/index?code=K7M2QX')
})

test("accepting a friend's code sends it with this phone's device id", async () => {
  signIn()
  const api = mockApi({'GET /api/mp/invite': INVITE, 'POST /api/mp/invite/accept': {id: 1, status: 'pending'}})
  const page = renderPage('invite', {code: 'ab12cd'})
  await settle()
  expect(wx.getStorageSync('baoyun.pendingInvite')).toBe('ab12cd')
  await type(page, '#invite-code', 'ab12cd')

  await tap(page, '#accept', '.van-button')

  const sent = api.find('POST', '/api/mp/invite/accept')[0].data
  expect(sent.invite_code).toBe('AB12CD')
  expect(sent.device_id).toBe(wx.getStorageSync('baoyun.deviceId'))
  expect(sent.device_id.length).toBeGreaterThanOrEqual(8)
  expect(text(find(page, '.accepted'))).toContain('已接受邀请')
  expect(wx.getStorageSync('baoyun.pendingInvite')).toBe('')
})

test('a refused invitation shows the API message', async () => {
  signIn()
  mockApi({'GET /api/mp/invite': INVITE, 'POST /api/mp/invite/accept': fail(409, '该设备已接受过邀请', 'device_used')})
  const page = renderPage('invite')
  await settle()
  await type(page, '#invite-code', 'XY99ZZ')
  await tap(page, '#accept', '.van-button')
  expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({title: '该设备已接受过邀请'}))
  expect(page.querySelector('.accepted')).toBeFalsy()
})
