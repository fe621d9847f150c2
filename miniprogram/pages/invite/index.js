// 邀请好友: my invite code (copy or share), what it earned, and accepting a friend's code.
const api = require('../../utils/api')

const DEVICE_KEY = 'baoyun.deviceId'
const PENDING_INVITE_KEY = 'baoyun.pendingInvite'

// WeChat gives pages no hardware id; a random id kept on this phone is what the server counts.
function deviceId() {
  let id = wx.getStorageSync(DEVICE_KEY)
  if (!id) {
    id = `dev-${Date.now().toString(16)}-${Math.random().toString(16).slice(2, 14)}`
    wx.setStorageSync(DEVICE_KEY, id)
  }
  return id
}

Page({
  data: {invite: null, error: '', code: '', accepting: false, accepted: false},

  onLoad(query) {
    // Opened from a friend's share: their code is ready to accept.
    // Kept until accepted: a new user binds first, and comes back here from the home page.
    if (query.code) wx.setStorageSync(PENDING_INVITE_KEY, query.code)
    const code = query.code || wx.getStorageSync(PENDING_INVITE_KEY) || ''
    this.setData({code})
    this.load()
  },

  load() {
    this.setData({error: ''})
    return api.get('/api/mp/invite')
      .then((invite) => this.setData({invite}))
      .catch((err) => this.setData({error: err.message}))
  },

  onCopy() {
    wx.setClipboardData({data: this.data.invite.invite_code})
  },

  onCodeInput(event) {
    this.setData({code: event.detail.trim().toUpperCase()})
  },

  onAccept() {
    const code = this.data.code
    if (!code) {
      wx.showToast({title: '请填写邀请码', icon: 'none'})
      return
    }
    if (this.data.accepting) return
    this.setData({accepting: true})
    api.post('/api/mp/invite/accept', {invite_code: code, device_id: deviceId()})
      .then(() => {
        wx.removeStorageSync(PENDING_INVITE_KEY)
        this.setData({accepted: true})
      })
      .catch(() => {})
      .then(() => this.setData({accepting: false}))
  },

  onShareAppMessage() {
    const code = this.data.invite ? this.data.invite.invite_code : ''
    return {
      title: '我在用保运查保单、领积分,邀你一起',
      path: `/pages/invite/index?code=${code}`,
    }
  },
})
