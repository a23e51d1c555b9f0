// console-i18n.js: the console's words in Vietnamese (the default) and English. RD.t(key, ...)
// returns the current language's text with {0}, {1} ... replaced; the language is kept in
// localStorage ("rd-console-lang"). A key missing from English falls back to Vietnamese.
'use strict';
window.RD = window.RD || {};
RD.strings = {
  vi: {
    title: 'Bảng điều khiển phòng tiếp công dân',
    lang: 'English', partyName: 'Tên', login: 'Đăng nhập', logout: 'Đăng xuất', name: 'Tên đăng nhập',
    password: 'Mật khẩu', loginFailed: 'Tên đăng nhập hoặc mật khẩu không đúng.',
    lockedOut: 'Tài khoản tạm bị khóa do đăng nhập sai nhiều lần. {0}',
    lockedUntil: 'Thử lại sau {0}.',
    navStatus: 'Trạng thái', navSession: 'Phiên', navHistory: 'Lịch sử', navBook: 'Sổ tiếp dân',
    roleTechnician: 'kỹ thuật viên', roleOfficer: 'cán bộ tiếp dân', roleSupervisor: 'giám sát',
    live: 'Trực tiếp', offline: 'Mất kết nối, đang thử lại…', idle: 'Không có phiên',
    room: 'Phòng', state: 'Tình trạng', uptime: 'Thời gian chạy', devices: 'Thiết bị',
    available: 'sẵn sàng', unavailable: 'không có', disk: 'Ổ đĩa', free: 'còn trống {0} / {1}',
    recording: 'Ghi hình', recState_recording: 'ĐANG GHI', recState_paused: 'TẠM DỪNG',
    recState_idle: 'không ghi', recState_stopped: 'đã dừng', reason: 'Lý do',
    links: 'Kết nối điểm cầu', parties: 'Người tham gia', noParties: 'Chưa có ai tham gia.',
    layout: 'Bố cục', muted: 'Tắt tiếng', mic: 'Micrô', camera: 'Camera', yes: 'có', no: 'không',
    bitrateIn: 'Nhận (kbit/s)', bitrateOut: 'Gửi (kbit/s)', rtt: 'Độ trễ (ms)',
    lost: 'Mất gói', role: 'Vai trò', address: 'Địa chỉ', via: 'Đường', timezone: 'Múi giờ',
    scheduled: 'Phiên đã lên lịch', late: 'trễ hạn', sound: 'Âm thanh', memory: 'Bộ nhớ',
    session: 'Phiên', sessionTitle: 'Tiêu đề phiên', start: 'Bắt đầu phiên', end: 'Kết thúc phiên',
    endConfirm: 'Kết thúc phiên {0}?', noLive: 'Chưa có phiên nào đang diễn ra.',
    invite: 'Mời tham gia', inviteRole: 'Vai trò', inviteName: 'Tên người được mời',
    roleCitizen: 'công dân', roleBoard: 'hội đồng/lãnh đạo', roleAgency: 'cơ quan',
    makeInvite: 'Tạo lời mời', joinLink: 'Đường dẫn tham gia', copy: 'Sao chép',
    copied: 'Đã sao chép', revoke: 'Thu hồi', invites: 'Lời mời', revoked: 'đã thu hồi',
    mute: 'Tắt tiếng', unmute: 'Bật tiếng', pause: 'Tạm dừng ghi', resume: 'Tiếp tục ghi',
    pauseReason: 'Lý do tạm dừng/tiếp tục', needReason: 'Hãy nhập lý do.',
    layout_auto: 'Tự động', layout_room: 'Phòng', layout_grid: 'Lưới', layout_speaker: 'Người nói',
    history: 'Lịch sử phiên', started: 'Bắt đầu', ended: 'Kết thúc', events: 'Sự kiện',
    participants: 'Số người', recordings: 'Bản ghi', play: 'Phát', segment: 'Đoạn',
    h264Warning: 'Bản ghi H.264: trình duyệt này có thể không phát được (hãy tải xuống).',
    download: 'Tải xuống', when: 'Thời điểm', actor: 'Người thực hiện', kind: 'Loại',
    detail: 'Chi tiết', back: '← Quay lại',
    registrations: 'Đăng ký', schedule: 'Lịch tiếp', receptions: 'Tiếp nhận',
    conclusions: 'Kết luận', export: 'Xuất sổ', report: 'Báo cáo tháng',
    newRegistration: 'Đăng ký mới', citizenName: 'Họ và tên', citizenAddress: 'Địa chỉ',
    idDocument: 'Giấy tờ tùy thân', contact: 'Liên hệ', summary: 'Nội dung tóm tắt',
    classification: 'Phân loại', cls_khieu_nai: 'khiếu nại', cls_to_cao: 'tố cáo',
    cls_kien_nghi: 'kiến nghị', cls_phan_anh: 'phản ánh', peopleCount: 'Số người',
    protect: 'Yêu cầu bảo vệ danh tính', priorBody: 'Cơ quan đã giải quyết trước',
    field: 'Lĩnh vực', add: 'Thêm', save: 'Lưu', added: 'Đã thêm #{0}',
    protectedNote: 'Tố cáo hoặc yêu cầu bảo vệ: danh tính được niêm phong.',
    protected: 'được bảo vệ', reveal: 'Xem danh tính', revealReason: 'Lý do xem (được ghi lại)', number: 'Số', created: 'Ngày tạo',
    scheduleAt: 'Thời gian (dd/mm/yyyy HH:MM)', registrationIds: 'Số đăng ký (cách nhau dấu phẩy)',
    scheduleSession: 'Lên lịch', duties: 'Nhiệm vụ', due: 'Hạn', done: 'xong',
    from: 'Từ ngày', to: 'Đến ngày', show: 'Xem', content: 'Nội dung', handling: 'Xử lý',
    officer: 'Cán bộ', date: 'Ngày', confirmation: 'Xác nhận của công dân',
    conf_signature: 'ký tên', conf_fingerprint: 'điểm chỉ', conf_verbal: 'xác nhận miệng',
    conf_declined: 'từ chối xác nhận', handlingBody: 'Cơ quan được chuyển/hướng dẫn',
    documentNumber: 'Số văn bản', legalBasis: 'Căn cứ pháp lý', refusalReason: 'Lý do từ chối',
    hand_competent: 'thuộc thẩm quyền', hand_guided: 'hướng dẫn', hand_transferred: 'chuyển đơn',
    hand_refused: 'từ chối tiếp', assignee: 'Người được giao', progress: 'Tiến độ',
    outcome: 'Kết quả', update: 'Cập nhật', overdue: 'Quá hạn', open: 'đang mở',
    format: 'Định dạng', csvComma: 'CSV (dấu phẩy)', csvSemicolon: 'CSV (dấu chấm phẩy, Excel)',
    json: 'JSON', exportNote: 'Xuất dữ liệu sổ dạng CSV/JSON, hoặc tải sổ theo Mẫu số 03/TCD (XLSX, PDF).',
    exportDocuments: 'Sổ tiếp công dân (Mẫu số 03/TCD)', downloadXlsx: 'Tải XLSX',
    downloadPdf: 'Tải PDF',
    month: 'Tháng (mm/yyyy)', rows: '{0} dòng', badDate: 'Ngày không hợp lệ: {0}',
    error: 'Lỗi: {0}', forbidden: 'Vai trò của bạn không được làm việc này.',
    loading: 'Đang tải…', none: 'Không có.', preview: 'Hình ảnh trực tiếp',
    noPicture: 'chưa có hình', preview_camera: 'Camera phòng', preview_composite: 'Hình hội nghị (màn hình phòng)',
    micLevel: 'Mức âm micrô phòng', level: 'Mức âm', silent: 'im lặng',
    navAccount: 'Tài khoản', changePassword: 'Đổi mật khẩu', currentPassword: 'Mật khẩu hiện tại',
    newPassword: 'Mật khẩu mới (ít nhất 10 ký tự)', repeatPassword: 'Nhập lại mật khẩu mới',
    passwordChanged: 'Đã đổi mật khẩu. Các phiên đăng nhập khác của bạn đã kết thúc ({0}).',
    passwordMismatch: 'Hai lần nhập mật khẩu mới không giống nhau.',
    passwordTooShort: 'Mật khẩu mới quá ngắn: cần ít nhất {0} ký tự.',
    wrongPassword: 'Mật khẩu hiện tại không đúng; mật khẩu chưa được đổi.',
  },
  en: {
    title: 'Citizen reception room console',
    lang: 'Tiếng Việt', partyName: 'Name', login: 'Log in', logout: 'Log out', name: 'User name',
    password: 'Password', loginFailed: 'Wrong user name or password.',
    lockedOut: 'The account is locked for a while after too many failed logins. {0}',
    lockedUntil: 'Try again after {0}.',
    navStatus: 'Status', navSession: 'Session', navHistory: 'History', navBook: 'Book',
    roleTechnician: 'technician', roleOfficer: 'officer', roleSupervisor: 'supervisor',
    live: 'Live', offline: 'Connection lost, retrying…', idle: 'No session',
    room: 'Room', state: 'State', uptime: 'Uptime', devices: 'Devices',
    available: 'available', unavailable: 'missing', disk: 'Disk', free: '{0} free of {1}',
    recording: 'Recording', recState_recording: 'REC', recState_paused: 'PAUSED',
    recState_idle: 'not recording', recState_stopped: 'stopped', reason: 'Reason',
    links: 'Bridge links', parties: 'Parties', noParties: 'Nobody has joined yet.',
    layout: 'Layout', muted: 'Muted', mic: 'Microphone', camera: 'Camera', yes: 'yes', no: 'no',
    bitrateIn: 'In (kbit/s)', bitrateOut: 'Out (kbit/s)', rtt: 'RTT (ms)', lost: 'Lost',
    role: 'Role', address: 'Address', via: 'Via', timezone: 'Time zone',
    scheduled: 'Scheduled sessions', late: 'late', sound: 'Sound', memory: 'Memory',
    session: 'Session', sessionTitle: 'Session title', start: 'Start session',
    end: 'End session', endConfirm: 'End session {0}?', noLive: 'No session is live.',
    invite: 'Invite', inviteRole: 'Role', inviteName: 'Invitee name',
    roleCitizen: 'citizen', roleBoard: 'board', roleAgency: 'agency',
    makeInvite: 'Create invite', joinLink: 'Join link', copy: 'Copy', copied: 'Copied',
    revoke: 'Revoke', invites: 'Invites', revoked: 'revoked', mute: 'Mute', unmute: 'Unmute',
    pause: 'Pause recording', resume: 'Resume recording', pauseReason: 'Reason for pause/resume',
    needReason: 'Enter a reason.', layout_auto: 'Auto', layout_room: 'Room', layout_grid: 'Grid',
    layout_speaker: 'Speaker', history: 'Session history', started: 'Started', ended: 'Ended',
    events: 'Events', participants: 'Parties', recordings: 'Recordings', play: 'Play',
    segment: 'Segment',
    h264Warning: 'H.264 recording: this browser may not play it (download it instead).',
    download: 'Download', when: 'When', actor: 'By', kind: 'Kind', detail: 'Detail',
    back: '← Back', registrations: 'Registrations', schedule: 'Schedule',
    receptions: 'Receptions', conclusions: 'Conclusions', export: 'Export',
    report: 'Monthly report', newRegistration: 'New registration', citizenName: 'Full name',
    citizenAddress: 'Address', idDocument: 'ID document', contact: 'Contact',
    summary: 'Summary', classification: 'Classification', cls_khieu_nai: 'complaint',
    cls_to_cao: 'denunciation', cls_kien_nghi: 'petition', cls_phan_anh: 'feedback',
    peopleCount: 'People', protect: 'Identity protection requested',
    priorBody: 'Body that handled it before', field: 'Field', add: 'Add', save: 'Save',
    added: 'Added #{0}',
    protectedNote: 'Denunciation or protection asked: the identity is sealed.',
    protected: 'protected', reveal: 'Reveal identity', revealReason: 'Reason (recorded)', number: 'No.', created: 'Created',
    scheduleAt: 'Time (dd/mm/yyyy HH:MM)', registrationIds: 'Registration numbers (comma)',
    scheduleSession: 'Schedule', duties: 'Duties', due: 'Due', done: 'done',
    from: 'From', to: 'To', show: 'Show', content: 'Content', handling: 'Handling',
    officer: 'Officer', date: 'Date', confirmation: 'Citizen\'s confirmation',
    conf_signature: 'signature', conf_fingerprint: 'fingerprint', conf_verbal: 'verbal',
    conf_declined: 'declined', handlingBody: 'Body referred to', documentNumber: 'Document no.',
    legalBasis: 'Legal basis', refusalReason: 'Reason for refusal', hand_competent: 'competent',
    hand_guided: 'guided', hand_transferred: 'transferred', hand_refused: 'refused', assignee: 'Assignee', progress: 'Progress',
    outcome: 'Outcome', update: 'Update', overdue: 'Overdue', open: 'open', format: 'Format',
    csvComma: 'CSV (comma)', csvSemicolon: 'CSV (semicolon, Excel)', json: 'JSON',
    exportNote: "The book's data as CSV/JSON, or the book as form 03/TCD (XLSX, PDF).",
    exportDocuments: 'Reception book (form 03/TCD)', downloadXlsx: 'Download XLSX',
    downloadPdf: 'Download PDF',
    month: 'Month (mm/yyyy)', rows: '{0} rows', badDate: 'Not a date: {0}',
    error: 'Error: {0}', forbidden: 'Your role may not do this.', loading: 'Loading…',
    none: 'None.', preview: 'Live pictures',
    noPicture: 'no picture', preview_camera: 'Room camera', preview_composite: 'Conference picture (room display)',
    micLevel: 'Room microphone level', level: 'Level', silent: 'silent',
    navAccount: 'Account', changePassword: 'Change password', currentPassword: 'Current password',
    newPassword: 'New password (at least 10 characters)', repeatPassword: 'Repeat the new password',
    passwordChanged: 'Password changed. Your other sessions have ended ({0}).',
    passwordMismatch: 'The two new passwords differ.',
    passwordTooShort: 'The new password is too short: at least {0} characters.',
    wrongPassword: 'The current password is wrong; the password is unchanged.',
  },
};

RD.lang = (function () {
  try {
    return localStorage.getItem('rd-console-lang') === 'en' ? 'en' : 'vi';
  } catch (e) {
    return 'vi';
  }
})();

RD.setLang = function (lang) {
  RD.lang = lang === 'en' ? 'en' : 'vi';
  try {
    localStorage.setItem('rd-console-lang', RD.lang);
  } catch (e) { /* private mode: the choice lasts for this page */ }
  document.documentElement.lang = RD.lang;
};

// A party's or invite's role (citizen, board, agency) in the current language.
RD.roleName = function (role) {
  const key = { citizen: 'roleCitizen', board: 'roleBoard', agency: 'roleAgency' }[role];
  return key ? RD.t(key) : (role || '');
};

RD.t = function (key, ...args) {
  const table = RD.strings[RD.lang];
  let text = key in table ? table[key] : (RD.strings.vi[key] !== undefined ? RD.strings.vi[key] : key);
  args.forEach((a, i) => { text = text.split('{' + i + '}').join(String(a)); });
  return text;
};
