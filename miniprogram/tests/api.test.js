const {mockApi, ok, fail, settle, stubWx, signIn, BASE_URL} = require('./helpers')
const api = require('../utils/api')

test('a request carries the token, goes to the configured base URL and returns the data', async () => {
  signIn()
  const backend = mockApi({'GET /api/mp/points': {balance: 30}})
  await expect(api.get('/api/mp/points', {x: undefined, y: 'a b'})).resolves.toEqual({balance: 30})
  expect(wx.request.mock.calls[0][0].url).toBe(`${BASE_URL}/api/mp/points?y=a%20b`)
  expect(backend.calls[0].header.Authorization).toBe('Bearer test-token')
})

test('on 401 it logs in again quietly and repeats the request once', async () => {
  signIn()
  stubWx('login', {code: 'fresh-code'})
  let attempts = 0
  const backend = mockApi({
    'GET /api/mp/points': (call) => (++attempts === 1 ? fail(401, '登录已过期,请重新登录', 'token_expired')
      : ok({balance: 5, seen: call.header.Authorization})),
    'POST /api/mp/auth/login': {token: 'new-token', bound: true, role: 'customer'},
  })
  await expect(api.get('/api/mp/points')).resolves.toEqual({balance: 5, seen: 'Bearer new-token'})
  expect(backend.find('POST', '/api/mp/auth/login')[0].data).toEqual({code: 'fresh-code'})
  expect(wx.showToast).not.toHaveBeenCalled()
})

test('on 401 for a user no longer bound it opens the login page once, without a toast', async () => {
  signIn()
  stubWx('login', {code: 'c'})
  mockApi({
    'GET /api/mp/points': fail(401, '登录已失效,请重新登录', 'invalid_token'),
    'POST /api/mp/auth/login': {token: 'bind-only', bound: false, role: null},
  })
  const [a, b] = await Promise.allSettled([api.get('/api/mp/points'), api.get('/api/mp/points')])
  expect(a.reason.status).toBe(401)
  expect(b.reason.status).toBe(401)
  expect(wx.login).toHaveBeenCalledTimes(1) // two 401s share one login
  expect(wx.navigateTo).toHaveBeenCalledTimes(1)
  expect(wx.navigateTo).toHaveBeenCalledWith({url: '/pages/login/index'})
  expect(wx.getStorageSync('baoyun.token')).toBe('')
  expect(wx.showToast).not.toHaveBeenCalled()
})

test('an API error becomes a Chinese toast and an ApiError with code and field errors', async () => {
  signIn()
  mockApi({'POST /api/mp/mall/items/3/redeem': fail(422, '请求参数有误', 'validation_error', {quantity: ['必须大于0']})})
  const err = await api.post('/api/mp/mall/items/3/redeem', {quantity: 0}).catch((e) => e)
  expect(err).toBeInstanceOf(api.ApiError)
  expect(err.code).toBe('validation_error')
  expect(err.errors).toEqual({quantity: ['必须大于0']})
  expect(wx.showToast).toHaveBeenCalledWith({title: '请求参数有误', icon: 'none', duration: 2500})
})

test('a network failure says so in Chinese', async () => {
  signIn()
  wx.request = (opts) => setTimeout(() => opts.fail({errMsg: 'request:fail timeout'}), 0)
  const err = await api.get('/api/mp/points').catch((e) => e)
  expect(err.status).toBe(0)
  expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({title: '网络异常,请检查网络后重试'}))
})

test('getPage reads the totals from the X-Pagination header', async () => {
  signIn()
  mockApi({'GET /api/mp/policies': ok([{id: 1}], {'x-pagination': '{"total": 11, "page": 1, "next_page": 2}'})})
  const result = await api.getPage('/api/mp/policies', {page: 1})
  expect(result).toEqual({items: [{id: 1}], pagination: {total: 11, page: 1, next_page: 2}, hasMore: true})
  await settle()
})

test('upload sends the file with the token and parses the JSON answer', async () => {
  signIn()
  const backend = mockApi({'POST /api/mp/claims/4/documents': {id: 77, kind: 'driving_licence'}})
  const result = await api.upload('/api/mp/claims/4/documents', 'wxfile://tmp_1.jpg', {kind: 'driving_licence'})
  expect(result).toEqual({id: 77, kind: 'driving_licence'})
  expect(backend.calls[0]).toMatchObject({upload: true, filePath: 'wxfile://tmp_1.jpg', name: 'file',
    data: {kind: 'driving_licence'}, header: {Authorization: 'Bearer test-token'}})
})
