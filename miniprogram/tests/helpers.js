// Test helpers: render a page as the mini-program would, and answer its wx.request calls.
const fs = require('fs')
const path = require('path')
const simulate = require('miniprogram-simulate')

const ROOT = path.resolve(__dirname, '..')
const BASE_URL = 'https://api.test'

// In WeChat "@vant/weapp/x/index" resolves through miniprogram_npm ("build npm"); the simulator
// only knows relative and root-absolute paths, so the same mapping is spelled out for it.
function vantComponents(pageFile) {
  const json = JSON.parse(fs.readFileSync(`${pageFile}.json`, 'utf8'))
  const mapped = {}
  Object.entries(json.usingComponents || {}).forEach(([tag, target]) => {
    if (target.startsWith('@vant/')) mapped[tag] = `/miniprogram_npm/${target}`
  })
  // Custom components of ours use Vant too.
  Object.values(json.usingComponents || {}).forEach((target) => {
    if (target.startsWith('/components/')) Object.assign(mapped, vantComponents(path.join(ROOT, target)))
  })
  return mapped
}

// A page's definition is registered once per test file; each render is a fresh page instance.
// simulate.load runs each component's JS with require(), which jest caches: without a reset, the
// Vant components a second page shares with the first would not register again (and render as
// bare tags), so the module registry is cleared before loading another page.
const loaded = {}

// Render pages/<name>/index with the query string it was opened with; onLoad and onShow run.
function renderPage(name, query = {}) {
  const route = `pages/${name}/index`
  const file = path.join(ROOT, route)
  global.__nextPage = {route, query}
  if (!loaded[file]) {
    jest.resetModules()
    loaded[file] = simulate.load(file, {rootPath: ROOT, usingComponents: vantComponents(file)})
  }
  const page = simulate.render(loaded[file])
  page.attach(document.createElement('parent-wrapper'))
  return page
}

function reply(status, data, header) {
  return {__reply: true, status, data, header: header || {}}
}

function ok(data, header) {
  return reply(200, data, header)
}

// The API's error shape: {code, message, errors} with a Chinese message.
function fail(status, message, code = 'error', errors = {}) {
  return reply(status, {code, message, errors})
}

// Answer wx.request / wx.uploadFile from a table keyed "METHOD /path" (query strings are not
// part of the key; they are in the recorded call). A value is data (200), ok()/fail(), or a
// function of the call. Unanswered requests get a 404 and are listed in `unmatched`.
function mockApi(routes) {
  const calls = []
  const unmatched = []
  const answer = (call) => {
    let route = routes[`${call.method} ${call.path}`]
    if (typeof route === 'function') route = route(call)
    if (route === undefined) {
      unmatched.push(`${call.method} ${call.path}`)
      return fail(404, '测试没有准备这个请求的应答', 'not_found')
    }
    return route && route.__reply ? route : ok(route)
  }
  const record = (opts, method, extra) => {
    const url = new URL(opts.url)
    const call = Object.assign({
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams.entries()),
      header: opts.header || {},
    }, extra)
    calls.push(call)
    return call
  }
  wx.setStorageSync('baoyun.apiBaseUrl', BASE_URL)
  wx.request = jest.fn((opts) => {
    const call = record(opts, opts.method || 'GET', {data: opts.data})
    const res = answer(call)
    setTimeout(() => opts.success({statusCode: res.status, data: res.data, header: res.header}), 0)
  })
  wx.uploadFile = jest.fn((opts) => {
    const call = record(opts, 'POST', {upload: true, filePath: opts.filePath, name: opts.name, data: opts.formData})
    const res = answer(call)
    setTimeout(() => opts.success({statusCode: res.status, data: JSON.stringify(res.data)}), 0)
  })
  return {calls, unmatched, find: (method, p) => calls.filter((c) => c.method === method && c.path === p)}
}

// Let pending requests (answered on the next timer tick) and their setData run.
async function settle(rounds = 6) {
  for (let i = 0; i < rounds; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 0))
  }
}

async function waitFor(check, timeout = 30000) {
  const started = Date.now()
  for (;;) {
    try {
      const result = check()
      if (result) return result
    } catch (err) {
      if (Date.now() - started > timeout) throw err
    }
    if (Date.now() - started > timeout) throw new Error('waitFor: timed out')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

function text(node) {
  return (node.dom ? node.dom.textContent : node.textContent).replace(/\s+/g, ' ').trim()
}

function find(page, selector) {
  const node = page.querySelector(selector)
  if (!node) throw new Error(`no element ${selector}`)
  return node
}

function all(page, selector) {
  return page.querySelectorAll(selector)
}

// Tap an element; further selectors step into components, down to the element that listens
// (e.g. tap(page, '#sign-in', '.van-button') taps the button inside the Vant button).
async function tap(page, ...selectors) {
  const node = selectors.reduce((parent, selector) => find(parent, selector), page)
  node.dispatchEvent('tap')
  await settle()
}

// Type into a Vant field (the inner <input> fires 'input'; the field emits change).
async function type(page, selector, value) {
  // The first .van-field__control is the wrapper of the custom-input slot; the <input> comes last.
  const controls = find(page, selector).querySelectorAll('.van-field__control')
  controls[controls.length - 1].dispatchEvent('input', {detail: {value}})
  await settle()
}

// Stub a wx API that takes success/fail callbacks, answering with `result` (or failing).
function stubWx(name, result, failWith) {
  wx[name] = jest.fn((opts = {}) => {
    setTimeout(() => {
      if (failWith) {
        if (opts.fail) opts.fail(failWith)
      } else if (opts.success) {
        opts.success(typeof result === 'function' ? result(opts) : result)
      }
      if (opts.complete) opts.complete()
    }, 0)
  })
  return wx[name]
}

function signIn(role = 'customer') {
  wx.setStorageSync('baoyun.token', 'test-token')
  wx.setStorageSync('baoyun.role', role)
}

beforeEach(() => {
  global.__storage.clear()
  global.__pageStack = []
  wx.showToast = jest.fn()
  wx.navigateTo = jest.fn()
  wx.redirectTo = jest.fn()
  wx.reLaunch = jest.fn()
  wx.switchTab = jest.fn()
  wx.stopPullDownRefresh = jest.fn()
  wx.showLoading = jest.fn()
  wx.hideLoading = jest.fn()
})

module.exports = {
  ROOT, BASE_URL, renderPage, mockApi, ok, fail, reply, settle, waitFor, text, find, all, tap, type, stubWx, signIn,
}
