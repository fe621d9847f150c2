// One policy in a list (my policies, a resident manager's dealer policies).
const format = require('../../utils/format')

// The same window as the home page's expiry notice.
const EXPIRING_DAYS = 60

Component({
  properties: {
    policy: {type: Object, value: {}},
    showPremium: {type: Boolean, value: true},
  },
  observers: {
    policy(policy) {
      this.setData({
        stateText: policy.state_label || format.policyStatus(policy.state),
        lineText: policy.line_label || format.line(policy.line),
        premiumText: format.money(policy.written_premium),
        expiringSoon: policy.state === 'in_force' && policy.days_left !== null && policy.days_left !== undefined
          && policy.days_left <= EXPIRING_DAYS,
      })
    },
  },
  methods: {
    onTap() {
      this.triggerEvent('open', {id: this.data.policy.id})
    },
  },
})
