// 赔案详情: the stage timeline, the checklist of documents this claim type needs, and uploads
// (photos from the camera/album, or a PDF from a chat) straight to the claim.
const api = require('../../utils/api')
const format = require('../../utils/format')
const {requestSubscription} = require('../../utils/subscribe')

const FROM_ALBUM = 0

function steps(timeline) {
  return timeline.map((item) => ({
    text: item.label,
    desc: [item.at ? format.dateTime(item.at) : '待处理', item.note].filter(Boolean).join(' · '),
  }))
}

function lastDone(timeline) {
  let index = -1
  timeline.forEach((item, i) => {
    if (item.state === 'done') index = i
  })
  return index
}

// wx.chooseMedia / wx.chooseMessageFile -> a local file path, or null if the user backed out.
function pickFile(source) {
  return new Promise((resolve) => {
    if (source === FROM_ALBUM) {
      wx.chooseMedia({
        count: 1,
        mediaType: ['image'],
        sourceType: ['album', 'camera'],
        sizeType: ['compressed'],
        success: (res) => resolve(res.tempFiles[0].tempFilePath),
        fail: () => resolve(null),
      })
    } else {
      wx.chooseMessageFile({
        count: 1,
        type: 'file',
        extension: ['pdf'],
        success: (res) => resolve(res.tempFiles[0].path),
        fail: () => resolve(null),
      })
    }
  })
}

Page({
  data: {claim: null, error: '', steps: [], activeStep: -1, missingCount: 0, uploading: ''},

  onLoad(query) {
    this.claimId = query.id
    this.load()
  },

  load() {
    this.setData({error: ''})
    return api.get(`/api/mp/claims/${this.claimId}`)
      .then((claim) => {
        const timeline = claim.timeline || []
        this.setData({
          claim: Object.assign({}, claim, {paidText: format.money(claim.paid), checklist: claim.checklist || []}),
          steps: steps(timeline),
          activeStep: lastDone(timeline),
          missingCount: (claim.checklist || []).filter((item) => item.required && !item.uploaded).length,
        })
      })
      .catch((err) => this.setData({error: err.message}))
  },

  onUpload(event) {
    const kind = event.currentTarget.dataset.kind
    if (this.data.uploading) return
    wx.showActionSheet({
      itemList: ['拍照或从相册选择', '从聊天记录选择 PDF'],
      success: (res) => {
        pickFile(res.tapIndex).then((filePath) => {
          if (filePath) this.send(kind, filePath)
        })
      },
    })
  },

  send(kind, filePath) {
    this.setData({uploading: kind})
    return api.upload(`/api/mp/claims/${this.claimId}/documents`, filePath, {kind})
      .then(() => {
        wx.showToast({title: '上传成功', icon: 'success'})
        return this.load()
      })
      .catch(() => {})
      .then(() => this.setData({uploading: ''}))
  },

  onSubscribe() {
    requestSubscription(['claimProgress']).catch(() => {})
  },
})
