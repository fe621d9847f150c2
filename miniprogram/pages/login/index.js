// 登录绑定: bind this WeChat user to a customer (mobile + SMS code, or ID number + plate)
// or to a resident manager (mobile + SMS code), then go home.
const api = require('../../utils/api')

const COUNTDOWN_SECONDS = 60
const MOBILE_PATTERN = /^1\d{10}$/

Page({
  data: {
    method: 'sms',
    mobile: '',
    smsCode: '',
    idNumber: '',
    plate: '',
    countdown: 0,
    sending: false,
    binding: false,
    error: '',
  },

  onUnload() {
    this.stopCountdown()
  },

  onMethodChange(event) {
    this.setData({method: event.detail.name, error: ''})
  },
  onMobileInput(event) {
    this.setData({mobile: event.detail.trim()})
  },
  onSmsCodeInput(event) {
    this.setData({smsCode: event.detail.trim()})
  },
  onIdNumberInput(event) {
    this.setData({idNumber: event.detail.trim().toUpperCase()})
  },
  onPlateInput(event) {
    this.setData({plate: event.detail.trim().toUpperCase()})
  },

  // The bind-only token from wx.login; a user who turns out to be bound already is simply in.
  bindToken() {
    const token = api.getBindToken()
    if (token) return Promise.resolve(token)
    return api.silentLogin().then((bound) => {
      if (bound) {
        this.finish()
        return null
      }
      const fresh = api.getBindToken()
      if (!fresh) throw new api.ApiError(0)
      return fresh
    })
  },

  onSendCode() {
    if (this.data.countdown > 0 || this.data.sending) return
    if (!MOBILE_PATTERN.test(this.data.mobile)) {
      this.setData({error: '请输入正确的11位手机号'})
      return
    }
    this.setData({sending: true, error: ''})
    this.bindToken()
      .then((token) => token && api.post('/api/mp/auth/sms-code', {mobile: this.data.mobile}, {token, auth: false})
        .then(() => {
          wx.showToast({title: '验证码已发送', icon: 'none'})
          this.startCountdown()
        }))
      .catch((err) => this.setData({error: err.message}))
      .then(() => this.setData({sending: false}))
  },

  startCountdown() {
    this.stopCountdown()
    this.setData({countdown: COUNTDOWN_SECONDS})
    this.timer = setInterval(() => {
      const left = this.data.countdown - 1
      this.setData({countdown: left})
      if (left <= 0) this.stopCountdown()
    }, 1000)
  },

  stopCountdown() {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  },

  bindPayload() {
    const d = this.data
    if (d.method === 'sms') {
      if (!MOBILE_PATTERN.test(d.mobile)) return {error: '请输入正确的11位手机号'}
      if (!/^\d{6}$/.test(d.smsCode)) return {error: '请输入6位短信验证码'}
      return {body: {mobile: d.mobile, sms_code: d.smsCode}}
    }
    if (d.idNumber.length < 15) return {error: '请输入正确的证件号码'}
    if (d.plate.length < 7) return {error: '请输入正确的车牌号'}
    return {body: {id_number: d.idNumber, plate: d.plate}}
  },

  onBind() {
    if (this.data.binding) return
    const {body, error} = this.bindPayload()
    if (error) {
      this.setData({error})
      return
    }
    this.setData({binding: true, error: ''})
    this.bindToken()
      .then((token) => token && api.post('/api/mp/auth/bind', body, {token, auth: false, silent: true})
        .then((session) => {
          api.saveSession(session)
          wx.showToast({title: '绑定成功', icon: 'success'})
          this.finish()
        }))
      .catch((err) => {
        // An expired bind token: fetch a new one on the next try.
        if (err.status === 401) wx.removeStorageSync('baoyun.bindToken')
        this.setData({error: err.message})
      })
      .then(() => this.setData({binding: false}))
  },

  finish() {
    const url = api.getRole() === 'resident_manager' ? '/pages/resident/index' : '/pages/home/index'
    wx.reLaunch({url})
  },
})
