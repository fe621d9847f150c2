// Display helpers: money, dates, masked values, labels. Pages receive API data and show it
// through these so every page says things the same way.
// Fallbacks for when the API sends a code without its label.
const POLICY_STATUS_LABELS = {
  in_force: '保障中',
  pending: '未起保',
  expired: '已到期',
  cancelled: '已注销',
}

const LINE_LABELS = {ctpl: '交强险', commercial: '商业险'}

function money(value) {
  if (value === null || value === undefined || value === '') return '-'
  const number = Number(value)
  if (Number.isNaN(number)) return String(value)
  const [whole, cents] = number.toFixed(2).split('.')
  return `¥${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${cents}`
}

function pad(n) {
  return n < 10 ? `0${n}` : `${n}`
}

// "2026-11-25" stays as is; an ISO timestamp is shown in Beijing time.
function date(value) {
  if (!value) return '-'
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) return String(value)
  const beijing = new Date(d.getTime() + 8 * 3600 * 1000)
  return `${beijing.getUTCFullYear()}-${pad(beijing.getUTCMonth() + 1)}-${pad(beijing.getUTCDate())}`
}

function dateTime(value) {
  if (!value) return '-'
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) return String(value)
  const beijing = new Date(d.getTime() + 8 * 3600 * 1000)
  return `${date(value)} ${pad(beijing.getUTCHours())}:${pad(beijing.getUTCMinutes())}`
}

function points(value) {
  const n = Number(value || 0)
  return n > 0 ? `+${n}` : `${n}`
}

function policyStatus(status) {
  return POLICY_STATUS_LABELS[status] || status || ''
}

function line(code) {
  return LINE_LABELS[code] || code || ''
}

module.exports = {money, date, dateTime, points, policyStatus, line, POLICY_STATUS_LABELS, LINE_LABELS}
