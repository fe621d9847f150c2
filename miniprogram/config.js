// Where the mini-program finds the Baoyun API. The environment comes from WeChat
// (develop = DevTools / real-device preview, trial = 体验版, release = 正式版).
// For a local backend in DevTools, tick "不校验合法域名" (Details > Local settings).
const API_BASE_URLS = {
  develop: 'http://127.0.0.1:5000',
  trial: 'https://baoyun-staging.example.com',
  release: 'https://baoyun.example.com',
}

// A base URL saved under this storage key wins (set it in the DevTools console:
// wx.setStorageSync('baoyun.apiBaseUrl', 'http://192.168.1.10:5000')); the e2e test uses it too.
const BASE_URL_STORAGE_KEY = 'baoyun.apiBaseUrl'

function envVersion() {
  try {
    return wx.getAccountInfoSync().miniProgram.envVersion || 'develop'
  } catch (err) {
    return 'develop'
  }
}

function apiBaseUrl() {
  const saved = wx.getStorageSync(BASE_URL_STORAGE_KEY)
  if (saved) return saved
  return API_BASE_URLS[envVersion()] || API_BASE_URLS.develop
}

// Subscribe-message template ids, as configured in the mini-program admin (订阅消息).
const SUBSCRIBE_TEMPLATES = {
  claimProgress: 'CLAIM_PROGRESS_TEMPLATE_ID',
  policyExpiry: 'POLICY_EXPIRY_TEMPLATE_ID',
}

module.exports = {apiBaseUrl, BASE_URL_STORAGE_KEY, SUBSCRIBE_TEMPLATES}
