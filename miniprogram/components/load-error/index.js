// A failed load: the API's Chinese message and a retry button.
Component({
  properties: {message: {type: String, value: '加载失败'}},
  methods: {
    onRetry() {
      this.triggerEvent('retry')
    },
  },
})
