// The one module that talks to the Baoyun API: wraps wx.request / wx.uploadFile with the
// token, the base URL from config.js, a silent re-login on 401, and Chinese error toasts.
const config = require('../config')

const TOKEN_KEY = 'baoyun.token'
const ROLE_KEY = 'baoyun.role'
// A WeChat user not yet bound gets a bind-only token: it opens the SMS-code and binding endpoints.
const BIND_TOKEN_KEY = 'baoyun.bindToken'
const LOGIN_PAGE = '/pages/login/index'
const NETWORK_MESSAGE = '网络异常,请检查网络后重试'
const SERVER_MESSAGE = '服务繁忙,请稍后重试'

class ApiError extends Error {
  constructor(status, body) {
    const payload = body && typeof body === 'object' ? body : {}
    super(payload.message || (status ? SERVER_MESSAGE : NETWORK_MESSAGE))
    this.status = status
    this.code = payload.code || (status ? 'server_error' : 'network_error')
    this.errors = payload.errors || {}
  }
}

function getToken() {
  return wx.getStorageSync(TOKEN_KEY) || ''
}

function getRole() {
  return wx.getStorageSync(ROLE_KEY) || null
}

function getBindToken() {
  return wx.getStorageSync(BIND_TOKEN_KEY) || ''
}

function saveSession(session) {
  wx.setStorageSync(TOKEN_KEY, session.token)
  wx.setStorageSync(ROLE_KEY, session.role || '')
  wx.removeStorageSync(BIND_TOKEN_KEY)
}

function clearSession() {
  wx.removeStorageSync(TOKEN_KEY)
  wx.removeStorageSync(ROLE_KEY)
}

function withQuery(path, params) {
  const pairs = Object.keys(params || {})
    .filter((key) => params[key] !== undefined && params[key] !== null && params[key] !== '')
    .map((key) => `${encodeURIComponent(key)}=${encodeURIComponent(params[key])}`)
  if (!pairs.length) return path
  return path + (path.indexOf('?') >= 0 ? '&' : '?') + pairs.join('&')
}

function headerValue(header, name) {
  const wanted = name.toLowerCase()
  const key = Object.keys(header || {}).find((k) => k.toLowerCase() === wanted)
  return key ? header[key] : undefined
}

function authHeader(opts) {
  const token = opts.token || (opts.auth ? getToken() : '')
  return token ? {Authorization: `Bearer ${token}`} : {}
}

// Each transport resolves with {statusCode, data, header} and rejects only on network failure.
function viaRequest(opts) {
  return new Promise((resolve, reject) => {
    wx.request({
      url: config.apiBaseUrl() + opts.path,
      method: opts.method,
      data: opts.data,
      header: Object.assign({'Content-Type': 'application/json'}, authHeader(opts)),
      timeout: 15000,
      success: resolve,
      fail: () => reject(new ApiError(0)),
    })
  })
}

function viaUpload(opts) {
  return new Promise((resolve, reject) => {
    wx.uploadFile({
      url: config.apiBaseUrl() + opts.path,
      filePath: opts.filePath,
      name: opts.name || 'file',
      formData: opts.formData || {},
      header: authHeader(opts),
      timeout: 60000,
      success: (res) => {
        let data = res.data
        if (typeof data === 'string') {
          try {
            data = JSON.parse(data)
          } catch (err) {
            data = {}
          }
        }
        resolve({statusCode: res.statusCode, data, header: res.header || {}})
      },
      fail: () => reject(new ApiError(0)),
    })
  })
}

let pendingLogin = null

// wx.login -> our token, without any page. Resolves true when this WeChat user is bound.
function silentLogin() {
  if (!pendingLogin) {
    pendingLogin = new Promise((resolve) => {
      wx.login({success: resolve, fail: () => resolve({})})
    })
      .then((res) => {
        if (!res.code) return false
        return viaRequest({path: '/api/mp/auth/login', method: 'POST', data: {code: res.code}, auth: false})
          .then((reply) => {
            const body = reply.data || {}
            if (reply.statusCode !== 200 || !body.token) return false
            if (!body.bound) {
              wx.setStorageSync(BIND_TOKEN_KEY, body.token)
              return false
            }
            saveSession(body)
            return true
          })
      })
      .catch(() => false)
      .then((bound) => {
        pendingLogin = null
        return bound
      })
  }
  return pendingLogin
}

let loginOpenedAt = 0

// Several requests fail with 401 together; the login page opens once.
function goLogin() {
  const pages = typeof getCurrentPages === 'function' ? getCurrentPages() : []
  const current = pages.length ? `/${pages[pages.length - 1].route}` : ''
  if (current === LOGIN_PAGE || Date.now() - loginOpenedAt < 2000) return
  loginOpenedAt = Date.now()
  wx.navigateTo({url: LOGIN_PAGE})
}

function send(transport, opts, retried) {
  return transport(opts).then((res) => {
    if (res.statusCode >= 200 && res.statusCode < 300) return res
    if (res.statusCode === 401 && opts.auth) {
      clearSession()
      if (!retried) {
        return silentLogin().then((bound) => {
          if (bound) return send(transport, opts, true)
          goLogin()
          throw new ApiError(401, res.data)
        })
      }
      goLogin()
    }
    throw new ApiError(res.statusCode, res.data)
  })
}

function call(transport, opts) {
  const full = Object.assign({method: 'GET', auth: true, silent: false}, opts)
  return send(transport, full, false).catch((err) => {
    // A 401 already sent the user to the login page; every other failure is said once, in Chinese.
    if (!full.silent && err.status !== 401) {
      wx.showToast({title: err.message, icon: 'none', duration: 2500})
    }
    throw err
  })
}

function get(path, params, opts) {
  return call(viaRequest, Object.assign({path: withQuery(path, params)}, opts)).then((res) => res.data)
}

function post(path, data, opts) {
  return call(viaRequest, Object.assign({path, method: 'POST', data: data || {}}, opts)).then((res) => res.data)
}

// A page of a paginated list: flask-smorest puts the totals in the X-Pagination header.
function getPage(path, params, opts) {
  return call(viaRequest, Object.assign({path: withQuery(path, params)}, opts)).then((res) => {
    let pagination = {}
    const raw = headerValue(res.header, 'X-Pagination')
    if (raw) {
      try {
        pagination = typeof raw === 'string' ? JSON.parse(raw) : raw
      } catch (err) {
        pagination = {}
      }
    }
    const items = Array.isArray(res.data) ? res.data : []
    return {items, pagination, hasMore: Boolean(pagination.next_page)}
  })
}

function upload(path, filePath, formData, opts) {
  return call(viaUpload, Object.assign({path, filePath, formData, method: 'POST'}, opts)).then((res) => res.data)
}

// One id per user intent (a redemption, a draw): resending it after a timeout cannot spend twice.
function newRequestId() {
  const random = Math.random().toString(16).slice(2, 10)
  return `mp-${Date.now().toString(16)}-${random}`
}

module.exports = {
  ApiError,
  get,
  post,
  getPage,
  upload,
  silentLogin,
  saveSession,
  clearSession,
  getToken,
  getRole,
  getBindToken,
  newRequestId,
  withQuery,
}
